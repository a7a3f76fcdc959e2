
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select recorded_date
from "warehouse"."main"."landed_events_daily"
where recorded_date is null



  
  
      
    ) dbt_internal_test