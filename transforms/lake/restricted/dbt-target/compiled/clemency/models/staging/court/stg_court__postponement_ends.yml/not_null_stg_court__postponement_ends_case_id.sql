
    
    



select case_id
from "warehouse"."main"."stg_court__postponement_ends"
where case_id is null


