
    
    



select person_id
from "warehouse"."main"."int_people"
where person_id is null


