
    
    



select source_file
from "warehouse"."main"."stg_raw__facility_deliveries"
where source_file is null


