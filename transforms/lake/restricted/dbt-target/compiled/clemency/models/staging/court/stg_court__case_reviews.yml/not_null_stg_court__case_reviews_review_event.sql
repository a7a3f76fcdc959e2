
    
    



select review_event
from "warehouse"."main"."stg_court__case_reviews"
where review_event is null


