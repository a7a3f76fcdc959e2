
    
    



select facility_id
from "warehouse"."main"."facility_registry"
where facility_id is null


