
    
    



select evaluation_date
from "warehouse"."main"."int_behaviour_at_evaluation"
where evaluation_date is null


