
    
    



select source_file
from "warehouse"."main"."stg_raw__court_deliveries"
where source_file is null


