
    
    



select rule_version
from "warehouse"."main"."amnesty_eligibility"
where rule_version is null


