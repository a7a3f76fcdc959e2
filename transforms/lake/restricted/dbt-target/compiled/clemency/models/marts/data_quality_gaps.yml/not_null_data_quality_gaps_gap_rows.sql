
    
    



select gap_rows
from "warehouse"."main"."data_quality_gaps"
where gap_rows is null


