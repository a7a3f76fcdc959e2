
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select evaluation_date
from "warehouse"."main"."int_custody_at_evaluation"
where evaluation_date is null



  
  
      
    ) dbt_internal_test