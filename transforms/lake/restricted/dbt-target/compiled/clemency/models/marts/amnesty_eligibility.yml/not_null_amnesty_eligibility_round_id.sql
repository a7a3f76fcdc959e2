
    
    



select round_id
from "warehouse"."main"."amnesty_eligibility"
where round_id is null


