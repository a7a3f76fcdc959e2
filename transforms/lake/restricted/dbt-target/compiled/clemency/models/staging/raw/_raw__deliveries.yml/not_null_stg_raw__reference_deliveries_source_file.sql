
    
    



select source_file
from "warehouse"."main"."stg_raw__reference_deliveries"
where source_file is null


