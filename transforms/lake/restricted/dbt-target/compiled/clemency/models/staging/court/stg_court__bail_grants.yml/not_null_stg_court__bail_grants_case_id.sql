
    
    



select case_id
from "warehouse"."main"."stg_court__bail_grants"
where case_id is null


