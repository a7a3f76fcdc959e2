
    
    



select as_of_date
from "warehouse"."main"."amnesty_round_calendar"
where as_of_date is null


