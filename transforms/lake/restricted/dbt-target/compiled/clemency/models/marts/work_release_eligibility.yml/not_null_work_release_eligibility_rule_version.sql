
    
    



select rule_version
from "warehouse"."main"."work_release_eligibility"
where rule_version is null


