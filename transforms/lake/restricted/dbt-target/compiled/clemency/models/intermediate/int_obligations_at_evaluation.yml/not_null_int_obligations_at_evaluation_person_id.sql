
    
    



select person_id
from "warehouse"."main"."int_obligations_at_evaluation"
where person_id is null


