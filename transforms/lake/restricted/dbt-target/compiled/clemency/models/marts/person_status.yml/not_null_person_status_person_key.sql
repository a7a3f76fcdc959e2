
    
    



select person_key
from "warehouse"."main"."person_status"
where person_key is null


