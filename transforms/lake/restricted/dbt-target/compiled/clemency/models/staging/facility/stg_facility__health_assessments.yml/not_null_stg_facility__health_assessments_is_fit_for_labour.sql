
    
    



select is_fit_for_labour
from "warehouse"."main"."stg_facility__health_assessments"
where is_fit_for_labour is null


