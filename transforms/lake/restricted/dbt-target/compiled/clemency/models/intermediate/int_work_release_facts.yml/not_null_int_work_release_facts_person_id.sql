
    
    



select person_id
from "warehouse"."main"."int_work_release_facts"
where person_id is null


