
    
    



select policy_id
from "warehouse"."main"."int_work_release_criteria"
where policy_id is null


