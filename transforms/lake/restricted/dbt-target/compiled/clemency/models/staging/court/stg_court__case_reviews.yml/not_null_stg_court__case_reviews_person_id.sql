
    
    



select person_id
from "warehouse"."main"."stg_court__case_reviews"
where person_id is null


