
    
    



select events
from "warehouse"."main"."work_release_activity"
where events is null


