
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select ended_date
from "warehouse"."main"."stg_court__postponement_ends"
where ended_date is null



  
  
      
    ) dbt_internal_test