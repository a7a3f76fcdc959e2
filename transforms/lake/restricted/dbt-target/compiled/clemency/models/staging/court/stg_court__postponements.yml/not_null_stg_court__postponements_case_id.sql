
    
    



select case_id
from "warehouse"."main"."stg_court__postponements"
where case_id is null


