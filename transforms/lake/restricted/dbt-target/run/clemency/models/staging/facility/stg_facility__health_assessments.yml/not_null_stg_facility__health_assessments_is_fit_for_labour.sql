
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select is_fit_for_labour
from "warehouse"."main"."stg_facility__health_assessments"
where is_fit_for_labour is null



  
  
      
    ) dbt_internal_test