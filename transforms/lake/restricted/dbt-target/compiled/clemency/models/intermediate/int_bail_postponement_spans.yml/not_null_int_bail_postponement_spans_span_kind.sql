
    
    



select span_kind
from "warehouse"."main"."int_bail_postponement_spans"
where span_kind is null


