
    
    



select person_id
from "warehouse"."main"."int_state_at_evaluation"
where person_id is null


