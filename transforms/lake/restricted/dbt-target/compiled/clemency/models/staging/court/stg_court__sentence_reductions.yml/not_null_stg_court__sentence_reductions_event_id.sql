
    
    



select event_id
from "warehouse"."main"."stg_court__sentence_reductions"
where event_id is null


