
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select review_event
from "warehouse"."main"."stg_court__case_reviews"
where review_event is null



  
  
      
    ) dbt_internal_test