
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select gap
from "warehouse"."main"."data_quality_gaps"
where gap is null



  
  
      
    ) dbt_internal_test