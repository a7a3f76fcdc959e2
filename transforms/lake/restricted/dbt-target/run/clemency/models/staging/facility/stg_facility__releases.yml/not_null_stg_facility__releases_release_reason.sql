
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select release_reason
from "warehouse"."main"."stg_facility__releases"
where release_reason is null



  
  
      
    ) dbt_internal_test