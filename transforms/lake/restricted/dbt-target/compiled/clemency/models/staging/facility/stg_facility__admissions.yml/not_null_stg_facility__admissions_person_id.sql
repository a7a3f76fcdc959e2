
    
    



select person_id
from "warehouse"."main"."stg_facility__admissions"
where person_id is null


