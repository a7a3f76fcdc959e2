
    
    



select case_id
from "warehouse"."main"."stg_court__bail_ends"
where case_id is null


