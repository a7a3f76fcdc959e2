
    
    



select distance_km
from "warehouse"."main"."stg_reference__work_sites"
where distance_km is null


