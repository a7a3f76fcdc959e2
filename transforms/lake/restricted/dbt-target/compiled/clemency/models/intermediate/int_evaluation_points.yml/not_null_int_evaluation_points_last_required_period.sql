
    
    



select last_required_period
from "warehouse"."main"."int_evaluation_points"
where last_required_period is null


