
    
    



select person_id
from "warehouse"."main"."int_amnesty_criteria"
where person_id is null


