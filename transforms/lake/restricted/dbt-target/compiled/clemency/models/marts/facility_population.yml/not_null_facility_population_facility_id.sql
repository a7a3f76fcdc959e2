
    
    



select facility_id
from "warehouse"."main"."facility_population"
where facility_id is null


