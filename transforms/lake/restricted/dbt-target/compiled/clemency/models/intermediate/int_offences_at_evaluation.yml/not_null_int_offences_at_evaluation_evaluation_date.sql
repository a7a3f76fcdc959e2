
    
    



select evaluation_date
from "warehouse"."main"."int_offences_at_evaluation"
where evaluation_date is null


