
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select gap_rows
from "warehouse"."main"."data_quality_gaps"
where gap_rows is null



  
  
      
    ) dbt_internal_test