
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select proposal_timing
from "warehouse"."main"."round_lifecycle"
where proposal_timing is null



  
  
      
    ) dbt_internal_test