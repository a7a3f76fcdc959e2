
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select checked_rows
from "warehouse"."main"."data_quality_gaps"
where checked_rows is null



  
  
      
    ) dbt_internal_test