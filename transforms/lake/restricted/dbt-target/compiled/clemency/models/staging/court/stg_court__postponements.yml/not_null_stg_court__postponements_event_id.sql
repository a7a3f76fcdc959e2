
    
    



select event_id
from "warehouse"."main"."stg_court__postponements"
where event_id is null


