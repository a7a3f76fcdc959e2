
    
    



select as_of_date
from "warehouse"."main"."round_lifecycle"
where as_of_date is null


