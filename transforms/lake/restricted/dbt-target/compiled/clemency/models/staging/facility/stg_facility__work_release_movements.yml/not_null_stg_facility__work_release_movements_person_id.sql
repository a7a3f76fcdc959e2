
    
    



select person_id
from "warehouse"."main"."stg_facility__work_release_movements"
where person_id is null


