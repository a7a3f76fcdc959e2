
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select amount_vnd
from "warehouse"."main"."stg_facility__obligation_payments"
where amount_vnd is null



  
  
      
    ) dbt_internal_test