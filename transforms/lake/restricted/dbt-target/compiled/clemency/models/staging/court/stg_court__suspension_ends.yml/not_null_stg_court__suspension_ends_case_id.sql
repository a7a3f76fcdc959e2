
    
    



select case_id
from "warehouse"."main"."stg_court__suspension_ends"
where case_id is null


