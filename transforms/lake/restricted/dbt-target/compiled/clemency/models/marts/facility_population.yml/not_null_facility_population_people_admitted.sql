
    
    



select people_admitted
from "warehouse"."main"."facility_population"
where people_admitted is null


