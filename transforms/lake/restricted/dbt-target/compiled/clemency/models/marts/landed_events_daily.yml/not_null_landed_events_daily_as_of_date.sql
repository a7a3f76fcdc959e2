
    
    



select as_of_date
from "warehouse"."main"."landed_events_daily"
where as_of_date is null


