
    
    



select event_id
from "warehouse"."main"."stg_court__sentences_imposed"
where event_id is null


