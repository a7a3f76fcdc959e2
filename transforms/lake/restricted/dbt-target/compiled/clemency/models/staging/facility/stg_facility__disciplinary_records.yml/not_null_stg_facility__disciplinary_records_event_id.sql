
    
    



select event_id
from "warehouse"."main"."stg_facility__disciplinary_records"
where event_id is null


