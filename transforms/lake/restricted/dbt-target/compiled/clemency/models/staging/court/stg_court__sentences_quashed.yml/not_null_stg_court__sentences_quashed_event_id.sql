
    
    



select event_id
from "warehouse"."main"."stg_court__sentences_quashed"
where event_id is null


