
    
    



select review_date
from "warehouse"."main"."stg_court__case_reviews"
where review_date is null


