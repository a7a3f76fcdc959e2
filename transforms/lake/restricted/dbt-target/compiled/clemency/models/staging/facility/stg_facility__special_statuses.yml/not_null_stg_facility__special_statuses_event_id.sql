
    
    



select event_id
from "warehouse"."main"."stg_facility__special_statuses"
where event_id is null


