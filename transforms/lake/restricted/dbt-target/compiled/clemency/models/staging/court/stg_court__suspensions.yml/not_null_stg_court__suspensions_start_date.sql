
    
    



select start_date
from "warehouse"."main"."stg_court__suspensions"
where start_date is null


