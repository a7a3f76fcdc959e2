
    
    



select person_id
from "warehouse"."main"."stg_court__postponements"
where person_id is null


