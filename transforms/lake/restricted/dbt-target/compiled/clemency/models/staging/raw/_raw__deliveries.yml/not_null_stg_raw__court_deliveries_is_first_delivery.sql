
    
    



select is_first_delivery
from "warehouse"."main"."stg_raw__court_deliveries"
where is_first_delivery is null


