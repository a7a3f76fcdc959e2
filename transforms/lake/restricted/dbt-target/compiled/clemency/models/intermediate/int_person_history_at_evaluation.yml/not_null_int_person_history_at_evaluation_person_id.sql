
    
    



select person_id
from "warehouse"."main"."int_person_history_at_evaluation"
where person_id is null


