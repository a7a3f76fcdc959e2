
    
    



select as_of_date
from "warehouse"."main"."data_quality_gaps"
where as_of_date is null


