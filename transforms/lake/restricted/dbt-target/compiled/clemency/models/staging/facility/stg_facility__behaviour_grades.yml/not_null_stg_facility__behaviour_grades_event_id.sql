
    
    



select event_id
from "warehouse"."main"."stg_facility__behaviour_grades"
where event_id is null


