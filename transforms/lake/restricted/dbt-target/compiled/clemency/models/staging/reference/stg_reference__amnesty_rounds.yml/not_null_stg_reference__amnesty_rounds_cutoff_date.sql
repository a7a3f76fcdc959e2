
    
    



select cutoff_date
from "warehouse"."main"."stg_reference__amnesty_rounds"
where cutoff_date is null


