
    
    



select event_id
from "warehouse"."main"."stg_court__case_reviews"
where event_id is null


