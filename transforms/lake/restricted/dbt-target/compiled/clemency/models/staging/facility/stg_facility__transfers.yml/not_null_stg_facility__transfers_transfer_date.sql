
    
    



select transfer_date
from "warehouse"."main"."stg_facility__transfers"
where transfer_date is null


