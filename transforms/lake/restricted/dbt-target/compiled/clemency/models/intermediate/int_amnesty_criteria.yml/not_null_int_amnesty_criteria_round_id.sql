
    
    



select round_id
from "warehouse"."main"."int_amnesty_criteria"
where round_id is null


