
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select is_first_delivery
from "warehouse"."main"."stg_raw__facility_deliveries"
where is_first_delivery is null



  
  
      
    ) dbt_internal_test