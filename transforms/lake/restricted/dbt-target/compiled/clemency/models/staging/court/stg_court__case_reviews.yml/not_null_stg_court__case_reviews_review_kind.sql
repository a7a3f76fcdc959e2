
    
    



select review_kind
from "warehouse"."main"."stg_court__case_reviews"
where review_kind is null


