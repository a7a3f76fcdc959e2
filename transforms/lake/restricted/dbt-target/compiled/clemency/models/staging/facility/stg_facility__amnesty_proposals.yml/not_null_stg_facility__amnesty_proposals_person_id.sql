
    
    



select person_id
from "warehouse"."main"."stg_facility__amnesty_proposals"
where person_id is null


