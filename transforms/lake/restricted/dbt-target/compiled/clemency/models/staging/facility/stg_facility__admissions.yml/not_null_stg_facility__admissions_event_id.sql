
    
    



select event_id
from "warehouse"."main"."stg_facility__admissions"
where event_id is null


