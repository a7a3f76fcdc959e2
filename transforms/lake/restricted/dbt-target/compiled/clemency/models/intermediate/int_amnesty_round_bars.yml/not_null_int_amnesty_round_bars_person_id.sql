
    
    



select person_id
from "warehouse"."main"."int_amnesty_round_bars"
where person_id is null


