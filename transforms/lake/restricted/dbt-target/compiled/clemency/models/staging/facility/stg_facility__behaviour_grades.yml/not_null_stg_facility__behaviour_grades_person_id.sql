
    
    



select person_id
from "warehouse"."main"."stg_facility__behaviour_grades"
where person_id is null


