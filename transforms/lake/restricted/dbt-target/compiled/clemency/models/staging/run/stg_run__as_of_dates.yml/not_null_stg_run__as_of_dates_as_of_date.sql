
    
    



select as_of_date
from "warehouse"."main"."stg_run__as_of_dates"
where as_of_date is null


