
    
    



select postponement_reason
from "warehouse"."main"."stg_court__postponements"
where postponement_reason is null


