
    
    



select person_id
from "warehouse"."main"."int_amnesty_round_lifecycle"
where person_id is null


