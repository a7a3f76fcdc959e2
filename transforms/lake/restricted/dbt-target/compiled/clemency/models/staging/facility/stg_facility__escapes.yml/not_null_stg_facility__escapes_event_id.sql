
    
    



select event_id
from "warehouse"."main"."stg_facility__escapes"
where event_id is null


