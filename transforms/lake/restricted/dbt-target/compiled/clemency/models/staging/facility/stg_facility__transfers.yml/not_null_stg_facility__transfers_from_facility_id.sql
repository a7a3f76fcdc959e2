
    
    



select from_facility_id
from "warehouse"."main"."stg_facility__transfers"
where from_facility_id is null


