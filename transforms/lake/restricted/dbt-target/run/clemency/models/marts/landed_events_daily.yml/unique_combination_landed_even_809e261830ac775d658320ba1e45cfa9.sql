
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  

select kafka_topic, recorded_date, count(*) as occurrences
from "warehouse"."main"."landed_events_daily"
group by kafka_topic, recorded_date
having count(*) > 1

  
  
      
    ) dbt_internal_test