
    
    



select case_id
from "warehouse"."main"."stg_court__case_reviews"
where case_id is null


