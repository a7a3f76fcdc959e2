
    
    



select round_id
from "warehouse"."main"."round_funnel"
where round_id is null


