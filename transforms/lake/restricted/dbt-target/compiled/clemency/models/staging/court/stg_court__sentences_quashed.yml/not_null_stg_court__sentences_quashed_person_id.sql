
    
    



select person_id
from "warehouse"."main"."stg_court__sentences_quashed"
where person_id is null


