
    
    



select category
from "warehouse"."main"."stg_facility__special_statuses"
where category is null


