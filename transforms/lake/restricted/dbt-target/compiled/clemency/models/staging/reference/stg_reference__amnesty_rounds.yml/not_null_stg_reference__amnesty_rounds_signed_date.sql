
    
    



select signed_date
from "warehouse"."main"."stg_reference__amnesty_rounds"
where signed_date is null


