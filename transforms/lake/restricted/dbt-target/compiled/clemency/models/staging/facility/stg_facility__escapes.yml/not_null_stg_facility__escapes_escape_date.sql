
    
    



select escape_date
from "warehouse"."main"."stg_facility__escapes"
where escape_date is null


