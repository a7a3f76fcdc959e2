
    
    



select has_infectious_group_a
from "warehouse"."main"."stg_facility__health_assessments"
where has_infectious_group_a is null


