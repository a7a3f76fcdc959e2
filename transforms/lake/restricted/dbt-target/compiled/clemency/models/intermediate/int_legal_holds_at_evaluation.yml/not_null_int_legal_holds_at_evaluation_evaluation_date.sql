
    
    



select evaluation_date
from "warehouse"."main"."int_legal_holds_at_evaluation"
where evaluation_date is null


