
    
    



select prosecution_date
from "warehouse"."main"."stg_court__prosecutions"
where prosecution_date is null


