
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select prosecution_event
from "warehouse"."main"."stg_court__prosecutions"
where prosecution_event is null



  
  
      
    ) dbt_internal_test