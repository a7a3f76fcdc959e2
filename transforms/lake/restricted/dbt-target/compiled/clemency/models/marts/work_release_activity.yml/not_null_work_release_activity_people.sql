
    
    



select people
from "warehouse"."main"."work_release_activity"
where people is null


