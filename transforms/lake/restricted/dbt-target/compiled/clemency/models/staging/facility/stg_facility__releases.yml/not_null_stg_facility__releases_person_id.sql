
    
    



select person_id
from "warehouse"."main"."stg_facility__releases"
where person_id is null


