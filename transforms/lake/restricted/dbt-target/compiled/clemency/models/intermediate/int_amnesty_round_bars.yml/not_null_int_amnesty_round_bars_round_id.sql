
    
    



select round_id
from "warehouse"."main"."int_amnesty_round_bars"
where round_id is null


