
    
    



select person_id
from "warehouse"."main"."int_amnesty_facts"
where person_id is null


