
    
    



select event_id
from "warehouse"."main"."stg_facility__hardship_certificates"
where event_id is null


