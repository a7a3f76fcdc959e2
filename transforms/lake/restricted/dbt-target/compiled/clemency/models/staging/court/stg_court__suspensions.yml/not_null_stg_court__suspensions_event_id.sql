
    
    



select event_id
from "warehouse"."main"."stg_court__suspensions"
where event_id is null


