
    
    



select event_id
from "warehouse"."main"."int_bail_postponement_spans"
where event_id is null


