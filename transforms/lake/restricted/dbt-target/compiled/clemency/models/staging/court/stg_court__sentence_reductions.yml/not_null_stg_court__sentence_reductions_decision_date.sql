
    
    



select decision_date
from "warehouse"."main"."stg_court__sentence_reductions"
where decision_date is null


