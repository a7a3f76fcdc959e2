
    
    



select event_id
from "warehouse"."main"."stg_facility__transfers"
where event_id is null


