
    
    



select person_id
from "warehouse"."main"."stg_court__suspensions"
where person_id is null


