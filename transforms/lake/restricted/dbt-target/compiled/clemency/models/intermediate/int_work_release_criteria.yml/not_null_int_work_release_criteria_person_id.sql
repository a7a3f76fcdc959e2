
    
    



select person_id
from "warehouse"."main"."int_work_release_criteria"
where person_id is null


