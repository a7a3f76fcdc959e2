
    
    



select admission_date
from "warehouse"."main"."stg_facility__admissions"
where admission_date is null


