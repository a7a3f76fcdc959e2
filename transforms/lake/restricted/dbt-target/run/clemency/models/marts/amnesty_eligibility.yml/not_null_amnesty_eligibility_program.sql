
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select program
from "warehouse"."main"."amnesty_eligibility"
where program is null



  
  
      
    ) dbt_internal_test