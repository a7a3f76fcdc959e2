
    
    



select person_id
from "warehouse"."main"."int_amnesty_review_channels"
where person_id is null


