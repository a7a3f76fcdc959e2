
    
    



select policy_id
from "warehouse"."main"."work_release_eligibility"
where policy_id is null


