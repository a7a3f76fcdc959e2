
    
    



select event_id
from "warehouse"."main"."stg_facility__health_assessments"
where event_id is null


