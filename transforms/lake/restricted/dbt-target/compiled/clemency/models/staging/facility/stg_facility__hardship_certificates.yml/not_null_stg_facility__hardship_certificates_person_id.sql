
    
    



select person_id
from "warehouse"."main"."stg_facility__hardship_certificates"
where person_id is null


