
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select people
from "warehouse"."main"."round_lifecycle"
where people is null



  
  
      
    ) dbt_internal_test