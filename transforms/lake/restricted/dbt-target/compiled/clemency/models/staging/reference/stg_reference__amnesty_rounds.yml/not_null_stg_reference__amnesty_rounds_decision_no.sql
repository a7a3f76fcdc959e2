
    
    



select decision_no
from "warehouse"."main"."stg_reference__amnesty_rounds"
where decision_no is null


