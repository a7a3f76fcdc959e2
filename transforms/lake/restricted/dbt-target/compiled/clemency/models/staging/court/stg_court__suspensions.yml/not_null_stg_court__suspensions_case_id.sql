
    
    



select case_id
from "warehouse"."main"."stg_court__suspensions"
where case_id is null


