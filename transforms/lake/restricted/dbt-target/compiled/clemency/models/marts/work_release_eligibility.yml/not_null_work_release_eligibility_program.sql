
    
    



select program
from "warehouse"."main"."work_release_eligibility"
where program is null


