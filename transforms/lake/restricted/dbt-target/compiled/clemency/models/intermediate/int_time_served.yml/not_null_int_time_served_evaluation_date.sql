
    
    



select evaluation_date
from "warehouse"."main"."int_time_served"
where evaluation_date is null


