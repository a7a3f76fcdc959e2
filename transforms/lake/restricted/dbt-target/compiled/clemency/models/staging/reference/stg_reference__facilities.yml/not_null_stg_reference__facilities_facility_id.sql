
    
    



select facility_id
from "warehouse"."main"."stg_reference__facilities"
where facility_id is null


