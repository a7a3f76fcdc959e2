
    
    



select site_id
from "warehouse"."main"."stg_facility__work_release_movements"
where site_id is null


