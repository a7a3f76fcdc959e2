
    
    



select event_id
from "warehouse"."main"."int_suspension_spans"
where event_id is null


