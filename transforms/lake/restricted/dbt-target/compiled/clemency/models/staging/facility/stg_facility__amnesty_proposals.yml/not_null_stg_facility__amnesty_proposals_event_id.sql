
    
    



select event_id
from "warehouse"."main"."stg_facility__amnesty_proposals"
where event_id is null


