
    
    



select assessed_date
from "warehouse"."main"."stg_facility__health_assessments"
where assessed_date is null


