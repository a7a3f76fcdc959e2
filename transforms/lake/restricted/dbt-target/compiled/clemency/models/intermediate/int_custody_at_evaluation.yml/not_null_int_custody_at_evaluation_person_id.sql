
    
    



select person_id
from "warehouse"."main"."int_custody_at_evaluation"
where person_id is null


