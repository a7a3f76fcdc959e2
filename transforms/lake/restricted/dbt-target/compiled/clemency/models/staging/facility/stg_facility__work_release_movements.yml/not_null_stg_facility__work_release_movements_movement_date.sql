
    
    



select movement_date
from "warehouse"."main"."stg_facility__work_release_movements"
where movement_date is null


