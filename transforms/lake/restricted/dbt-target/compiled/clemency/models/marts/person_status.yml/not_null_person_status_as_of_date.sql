
    
    



select as_of_date
from "warehouse"."main"."person_status"
where as_of_date is null


