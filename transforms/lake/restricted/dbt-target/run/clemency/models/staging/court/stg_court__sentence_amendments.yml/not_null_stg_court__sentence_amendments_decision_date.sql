
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select decision_date
from "warehouse"."main"."stg_court__sentence_amendments"
where decision_date is null



  
  
      
    ) dbt_internal_test