
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select transfer_date
from "warehouse"."main"."stg_facility__transfers"
where transfer_date is null



  
  
      
    ) dbt_internal_test