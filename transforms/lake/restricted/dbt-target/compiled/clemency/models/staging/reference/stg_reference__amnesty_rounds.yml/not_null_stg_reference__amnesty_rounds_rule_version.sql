
    
    



select rule_version
from "warehouse"."main"."stg_reference__amnesty_rounds"
where rule_version is null


