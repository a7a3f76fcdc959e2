
    
    



select events
from "warehouse"."main"."landed_events_daily"
where events is null


