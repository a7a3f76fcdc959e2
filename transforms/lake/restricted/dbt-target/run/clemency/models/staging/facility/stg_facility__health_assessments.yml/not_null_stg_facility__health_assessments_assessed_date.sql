
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select assessed_date
from "warehouse"."main"."stg_facility__health_assessments"
where assessed_date is null



  
  
      
    ) dbt_internal_test