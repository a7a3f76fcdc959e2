
    
    



select proposed_date
from "warehouse"."main"."stg_facility__amnesty_proposals"
where proposed_date is null


