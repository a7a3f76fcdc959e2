
    
    



select round_id
from "warehouse"."main"."round_lifecycle"
where round_id is null


