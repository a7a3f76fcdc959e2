
    
    



select round_id
from "warehouse"."main"."int_amnesty_facts"
where round_id is null


