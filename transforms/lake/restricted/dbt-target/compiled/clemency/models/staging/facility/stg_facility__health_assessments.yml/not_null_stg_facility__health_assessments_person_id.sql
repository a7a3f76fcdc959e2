
    
    



select person_id
from "warehouse"."main"."stg_facility__health_assessments"
where person_id is null


