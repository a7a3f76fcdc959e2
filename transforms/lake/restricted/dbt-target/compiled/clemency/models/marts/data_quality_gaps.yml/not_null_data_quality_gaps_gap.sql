
    
    



select gap
from "warehouse"."main"."data_quality_gaps"
where gap is null


