
    
    



select person_id
from "warehouse"."main"."stg_court__bail_grants"
where person_id is null


