
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select last_required_period
from "warehouse"."main"."int_evaluation_points"
where last_required_period is null



  
  
      
    ) dbt_internal_test