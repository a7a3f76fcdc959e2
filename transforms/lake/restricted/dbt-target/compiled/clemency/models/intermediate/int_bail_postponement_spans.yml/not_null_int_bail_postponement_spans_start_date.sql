
    
    



select start_date
from "warehouse"."main"."int_bail_postponement_spans"
where start_date is null


