
    
    



select movement
from "warehouse"."main"."stg_facility__work_release_movements"
where movement is null


