
    
    



select severity
from "warehouse"."main"."stg_facility__disciplinary_records"
where severity is null


