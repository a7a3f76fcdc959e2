
    
    



select person_id
from "warehouse"."main"."stg_facility__disciplinary_records"
where person_id is null


