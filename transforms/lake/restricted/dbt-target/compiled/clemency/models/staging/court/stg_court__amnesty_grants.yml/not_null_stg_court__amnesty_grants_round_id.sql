
    
    



select round_id
from "warehouse"."main"."stg_court__amnesty_grants"
where round_id is null


