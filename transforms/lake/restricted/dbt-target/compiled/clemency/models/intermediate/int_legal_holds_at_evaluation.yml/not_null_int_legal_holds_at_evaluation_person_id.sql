
    
    



select person_id
from "warehouse"."main"."int_legal_holds_at_evaluation"
where person_id is null


