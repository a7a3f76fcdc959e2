
    
    



select case_id
from "warehouse"."main"."stg_court__sentences_quashed"
where case_id is null


