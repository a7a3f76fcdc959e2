
    
    



select round_id
from "warehouse"."main"."int_amnesty_review_channels"
where round_id is null


