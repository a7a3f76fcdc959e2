
    
    



select program
from "warehouse"."main"."int_evaluation_points"
where program is null


