
    
    



select event_id
from "warehouse"."main"."stg_facility__obligation_discharges"
where event_id is null


