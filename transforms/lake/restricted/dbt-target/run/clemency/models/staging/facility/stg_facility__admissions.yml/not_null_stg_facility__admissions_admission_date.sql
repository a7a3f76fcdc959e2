
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select admission_date
from "warehouse"."main"."stg_facility__admissions"
where admission_date is null



  
  
      
    ) dbt_internal_test