
    
    



select event_id
from "warehouse"."main"."stg_court__prosecutions"
where event_id is null


