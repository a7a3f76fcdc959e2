
    
    



select ended_date
from "warehouse"."main"."stg_court__suspension_ends"
where ended_date is null


