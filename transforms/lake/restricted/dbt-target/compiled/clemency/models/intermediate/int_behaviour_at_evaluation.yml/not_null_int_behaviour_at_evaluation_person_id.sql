
    
    



select person_id
from "warehouse"."main"."int_behaviour_at_evaluation"
where person_id is null


