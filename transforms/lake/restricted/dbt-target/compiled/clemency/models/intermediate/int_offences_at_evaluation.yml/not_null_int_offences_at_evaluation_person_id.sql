
    
    



select person_id
from "warehouse"."main"."int_offences_at_evaluation"
where person_id is null


