
    
    



select movement
from "warehouse"."main"."work_release_activity"
where movement is null


