
    
    



select case_id
from "warehouse"."main"."stg_court__sentence_reductions"
where case_id is null


