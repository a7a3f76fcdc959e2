
    
    



select to_facility_id
from "warehouse"."main"."stg_facility__transfers"
where to_facility_id is null


