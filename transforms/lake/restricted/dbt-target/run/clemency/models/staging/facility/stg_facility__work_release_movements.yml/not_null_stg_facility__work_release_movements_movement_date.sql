
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select movement_date
from "warehouse"."main"."stg_facility__work_release_movements"
where movement_date is null



  
  
      
    ) dbt_internal_test