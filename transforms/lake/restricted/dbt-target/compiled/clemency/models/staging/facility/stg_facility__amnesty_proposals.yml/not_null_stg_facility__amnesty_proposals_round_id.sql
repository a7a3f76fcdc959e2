
    
    



select round_id
from "warehouse"."main"."stg_facility__amnesty_proposals"
where round_id is null


