
    
    



select person_id
from "warehouse"."main"."stg_facility__escapes"
where person_id is null


