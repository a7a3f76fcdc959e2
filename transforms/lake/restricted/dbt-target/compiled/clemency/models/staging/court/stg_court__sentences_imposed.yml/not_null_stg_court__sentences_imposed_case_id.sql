
    
    



select case_id
from "warehouse"."main"."stg_court__sentences_imposed"
where case_id is null


