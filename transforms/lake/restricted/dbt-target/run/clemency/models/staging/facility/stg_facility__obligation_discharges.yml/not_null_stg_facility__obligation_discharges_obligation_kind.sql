
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select obligation_kind
from "warehouse"."main"."stg_facility__obligation_discharges"
where obligation_kind is null



  
  
      
    ) dbt_internal_test