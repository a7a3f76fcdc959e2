
    
    



select person_key
from "warehouse"."main"."amnesty_eligibility"
where person_key is null


