
    
    



select prosecution_event
from "warehouse"."main"."stg_court__prosecutions"
where prosecution_event is null


