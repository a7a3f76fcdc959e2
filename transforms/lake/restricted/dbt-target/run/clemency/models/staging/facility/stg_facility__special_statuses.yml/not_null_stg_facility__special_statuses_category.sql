
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select category
from "warehouse"."main"."stg_facility__special_statuses"
where category is null



  
  
      
    ) dbt_internal_test