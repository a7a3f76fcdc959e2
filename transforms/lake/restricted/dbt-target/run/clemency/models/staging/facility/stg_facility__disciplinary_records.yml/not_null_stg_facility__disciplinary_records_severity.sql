
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select severity
from "warehouse"."main"."stg_facility__disciplinary_records"
where severity is null



  
  
      
    ) dbt_internal_test