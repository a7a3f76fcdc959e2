
    
    



select start_date
from "warehouse"."main"."stg_court__postponements"
where start_date is null


