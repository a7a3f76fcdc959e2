
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select quashed_date
from "warehouse"."main"."stg_court__sentences_quashed"
where quashed_date is null



  
  
      
    ) dbt_internal_test