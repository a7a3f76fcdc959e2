
    
    



select period
from "warehouse"."main"."stg_facility__behaviour_grades"
where period is null


