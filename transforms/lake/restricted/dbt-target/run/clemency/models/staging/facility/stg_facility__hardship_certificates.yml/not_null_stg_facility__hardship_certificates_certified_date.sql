
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select certified_date
from "warehouse"."main"."stg_facility__hardship_certificates"
where certified_date is null



  
  
      
    ) dbt_internal_test