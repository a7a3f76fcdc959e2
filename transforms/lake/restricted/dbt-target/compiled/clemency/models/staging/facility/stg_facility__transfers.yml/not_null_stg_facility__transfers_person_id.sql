
    
    



select person_id
from "warehouse"."main"."stg_facility__transfers"
where person_id is null


