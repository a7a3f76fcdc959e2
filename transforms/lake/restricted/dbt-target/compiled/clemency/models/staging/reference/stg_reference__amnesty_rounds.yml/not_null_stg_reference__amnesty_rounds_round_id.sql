
    
    



select round_id
from "warehouse"."main"."stg_reference__amnesty_rounds"
where round_id is null


