
    
    



select person_id
from "warehouse"."main"."stg_court__amnesty_grants"
where person_id is null


