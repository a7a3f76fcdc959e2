
    
    



select decision_date
from "warehouse"."main"."stg_court__sentence_amendments"
where decision_date is null


