
    
    



select release_reason
from "warehouse"."main"."stg_facility__releases"
where release_reason is null


