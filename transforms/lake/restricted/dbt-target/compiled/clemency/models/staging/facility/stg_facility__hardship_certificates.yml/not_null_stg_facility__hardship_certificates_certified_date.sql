
    
    



select certified_date
from "warehouse"."main"."stg_facility__hardship_certificates"
where certified_date is null


