
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select round_id
from "warehouse"."main"."amnesty_eligibility"
where round_id is null



  
  
      
    ) dbt_internal_test