
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select discharged_date
from "warehouse"."main"."stg_facility__obligation_discharges"
where discharged_date is null



  
  
      
    ) dbt_internal_test