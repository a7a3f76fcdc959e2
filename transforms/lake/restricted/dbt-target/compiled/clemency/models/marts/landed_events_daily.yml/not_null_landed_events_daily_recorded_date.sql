
    
    



select recorded_date
from "warehouse"."main"."landed_events_daily"
where recorded_date is null


