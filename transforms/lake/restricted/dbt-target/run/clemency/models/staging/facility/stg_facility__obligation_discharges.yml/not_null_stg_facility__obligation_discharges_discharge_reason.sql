
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select discharge_reason
from "warehouse"."main"."stg_facility__obligation_discharges"
where discharge_reason is null



  
  
      
    ) dbt_internal_test