
    
    



select evaluation_date
from "warehouse"."main"."int_custody_at_evaluation"
where evaluation_date is null


