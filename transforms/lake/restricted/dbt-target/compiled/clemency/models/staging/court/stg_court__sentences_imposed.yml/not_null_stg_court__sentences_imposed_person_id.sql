
    
    



select person_id
from "warehouse"."main"."stg_court__sentences_imposed"
where person_id is null


