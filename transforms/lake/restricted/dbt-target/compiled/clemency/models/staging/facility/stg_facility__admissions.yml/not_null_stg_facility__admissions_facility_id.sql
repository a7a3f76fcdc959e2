
    
    



select facility_id
from "warehouse"."main"."stg_facility__admissions"
where facility_id is null


