
    
    



select is_first_delivery
from "warehouse"."main"."stg_raw__facility_deliveries"
where is_first_delivery is null


