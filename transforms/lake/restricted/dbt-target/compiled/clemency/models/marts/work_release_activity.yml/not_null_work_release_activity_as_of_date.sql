
    
    



select as_of_date
from "warehouse"."main"."work_release_activity"
where as_of_date is null


