
    
    



select scope_id
from "warehouse"."main"."int_evaluation_points"
where scope_id is null


