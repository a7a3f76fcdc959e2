
    
    



select person_id
from "warehouse"."main"."stg_court__prosecutions"
where person_id is null


