
    
    



select event_id
from "warehouse"."main"."stg_facility__obligation_payments"
where event_id is null


