
    
    



select event_id
from "warehouse"."main"."stg_raw__reference_deliveries"
where event_id is null


