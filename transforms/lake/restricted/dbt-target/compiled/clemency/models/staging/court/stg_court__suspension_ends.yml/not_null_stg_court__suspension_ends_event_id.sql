
    
    



select event_id
from "warehouse"."main"."stg_court__suspension_ends"
where event_id is null


