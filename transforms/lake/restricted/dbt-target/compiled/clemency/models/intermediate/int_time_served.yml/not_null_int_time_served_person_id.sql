
    
    



select person_id
from "warehouse"."main"."int_time_served"
where person_id is null


