
    
    



select start_date
from "warehouse"."main"."stg_facility__special_statuses"
where start_date is null


