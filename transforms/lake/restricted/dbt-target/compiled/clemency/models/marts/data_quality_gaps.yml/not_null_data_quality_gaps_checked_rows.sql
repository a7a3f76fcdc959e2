
    
    



select checked_rows
from "warehouse"."main"."data_quality_gaps"
where checked_rows is null


