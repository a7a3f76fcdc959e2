
    
    



select case_id
from "warehouse"."main"."stg_court__sentence_amendments"
where case_id is null


