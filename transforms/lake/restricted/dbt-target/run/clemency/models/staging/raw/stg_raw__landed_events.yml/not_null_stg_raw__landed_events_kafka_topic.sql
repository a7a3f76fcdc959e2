
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select kafka_topic
from "warehouse"."main"."stg_raw__landed_events"
where kafka_topic is null



  
  
      
    ) dbt_internal_test