
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select review_kind
from "warehouse"."main"."stg_court__case_reviews"
where review_kind is null



  
  
      
    ) dbt_internal_test