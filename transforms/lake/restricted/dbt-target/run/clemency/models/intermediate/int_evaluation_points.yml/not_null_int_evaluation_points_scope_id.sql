
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select scope_id
from "warehouse"."main"."int_evaluation_points"
where scope_id is null



  
  
      
    ) dbt_internal_test