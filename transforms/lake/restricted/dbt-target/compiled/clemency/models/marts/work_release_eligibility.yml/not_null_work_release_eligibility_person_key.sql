
    
    



select person_key
from "warehouse"."main"."work_release_eligibility"
where person_key is null


