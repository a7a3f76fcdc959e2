
    
    



select status
from "warehouse"."main"."work_release_eligibility"
where status is null


