
    
    



select status
from "warehouse"."main"."round_funnel"
where status is null


