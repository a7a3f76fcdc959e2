
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select paid_date
from "warehouse"."main"."stg_facility__obligation_payments"
where paid_date is null



  
  
      
    ) dbt_internal_test