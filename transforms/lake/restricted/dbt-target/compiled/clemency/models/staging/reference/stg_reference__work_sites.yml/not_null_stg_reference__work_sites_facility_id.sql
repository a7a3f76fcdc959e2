
    
    



select facility_id
from "warehouse"."main"."stg_reference__work_sites"
where facility_id is null


