
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select stops_the_build_past_share
from "warehouse"."main"."data_quality_gaps"
where stops_the_build_past_share is null



  
  
      
    ) dbt_internal_test