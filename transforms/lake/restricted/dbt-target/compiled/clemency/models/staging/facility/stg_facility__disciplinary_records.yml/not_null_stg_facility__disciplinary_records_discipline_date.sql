
    
    



select discipline_date
from "warehouse"."main"."stg_facility__disciplinary_records"
where discipline_date is null


