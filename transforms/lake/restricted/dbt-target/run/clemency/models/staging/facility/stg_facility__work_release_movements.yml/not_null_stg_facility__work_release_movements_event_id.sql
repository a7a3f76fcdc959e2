
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select event_id
from "warehouse"."main"."stg_facility__work_release_movements"
where event_id is null



  
  
      
    ) dbt_internal_test