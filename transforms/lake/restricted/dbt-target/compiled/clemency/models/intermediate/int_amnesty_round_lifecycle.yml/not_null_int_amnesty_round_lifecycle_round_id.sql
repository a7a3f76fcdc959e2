
    
    



select round_id
from "warehouse"."main"."int_amnesty_round_lifecycle"
where round_id is null


