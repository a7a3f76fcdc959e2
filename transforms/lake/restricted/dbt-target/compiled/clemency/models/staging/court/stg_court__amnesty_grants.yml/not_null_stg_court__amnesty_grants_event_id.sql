
    
    



select event_id
from "warehouse"."main"."stg_court__amnesty_grants"
where event_id is null


