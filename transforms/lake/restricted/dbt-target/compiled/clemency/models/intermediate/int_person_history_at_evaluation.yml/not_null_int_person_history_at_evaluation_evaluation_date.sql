
    
    



select evaluation_date
from "warehouse"."main"."int_person_history_at_evaluation"
where evaluation_date is null


