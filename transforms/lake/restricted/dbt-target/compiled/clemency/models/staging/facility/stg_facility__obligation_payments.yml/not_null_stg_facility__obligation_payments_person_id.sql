
    
    



select person_id
from "warehouse"."main"."stg_facility__obligation_payments"
where person_id is null


