
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select has_infectious_group_a
from "warehouse"."main"."stg_facility__health_assessments"
where has_infectious_group_a is null



  
  
      
    ) dbt_internal_test