
    
    



select ended_date
from "warehouse"."main"."stg_court__bail_ends"
where ended_date is null


