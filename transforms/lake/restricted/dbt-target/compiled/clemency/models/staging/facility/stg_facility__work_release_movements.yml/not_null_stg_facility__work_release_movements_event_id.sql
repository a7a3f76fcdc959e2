
    
    



select event_id
from "warehouse"."main"."stg_facility__work_release_movements"
where event_id is null


