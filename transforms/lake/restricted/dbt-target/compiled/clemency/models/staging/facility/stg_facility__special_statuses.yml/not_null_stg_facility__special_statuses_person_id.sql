
    
    



select person_id
from "warehouse"."main"."stg_facility__special_statuses"
where person_id is null


