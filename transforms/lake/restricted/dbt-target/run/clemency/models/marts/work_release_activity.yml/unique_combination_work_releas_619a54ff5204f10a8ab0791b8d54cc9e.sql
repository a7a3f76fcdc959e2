
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  

select site_id, facility_id, movement_year, movement, return_reason, count(*) as occurrences
from "warehouse"."main"."work_release_activity"
group by site_id, facility_id, movement_year, movement, return_reason
having count(*) > 1

  
  
      
    ) dbt_internal_test