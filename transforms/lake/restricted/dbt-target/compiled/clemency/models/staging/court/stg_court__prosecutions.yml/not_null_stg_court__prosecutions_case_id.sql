
    
    



select case_id
from "warehouse"."main"."stg_court__prosecutions"
where case_id is null


