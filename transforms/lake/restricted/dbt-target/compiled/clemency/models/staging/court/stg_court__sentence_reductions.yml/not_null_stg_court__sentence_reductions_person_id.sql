
    
    



select person_id
from "warehouse"."main"."stg_court__sentence_reductions"
where person_id is null


