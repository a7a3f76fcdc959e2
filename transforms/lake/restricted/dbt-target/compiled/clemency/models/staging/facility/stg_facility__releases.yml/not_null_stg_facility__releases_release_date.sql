
    
    



select release_date
from "warehouse"."main"."stg_facility__releases"
where release_date is null


