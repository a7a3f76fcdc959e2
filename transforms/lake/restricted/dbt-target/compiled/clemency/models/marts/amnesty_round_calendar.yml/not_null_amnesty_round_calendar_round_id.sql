
    
    



select round_id
from "warehouse"."main"."amnesty_round_calendar"
where round_id is null


