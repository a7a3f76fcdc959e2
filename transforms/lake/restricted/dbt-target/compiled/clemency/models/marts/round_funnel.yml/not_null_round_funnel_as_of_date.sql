
    
    



select as_of_date
from "warehouse"."main"."round_funnel"
where as_of_date is null


