
    
    



select event_id
from "warehouse"."main"."stg_facility__releases"
where event_id is null


