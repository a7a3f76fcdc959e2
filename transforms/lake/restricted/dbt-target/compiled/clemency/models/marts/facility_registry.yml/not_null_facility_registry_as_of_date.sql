
    
    



select as_of_date
from "warehouse"."main"."facility_registry"
where as_of_date is null


