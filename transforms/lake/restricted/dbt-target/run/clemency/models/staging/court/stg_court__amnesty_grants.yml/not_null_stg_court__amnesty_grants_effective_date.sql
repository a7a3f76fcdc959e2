
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select effective_date
from "warehouse"."main"."stg_court__amnesty_grants"
where effective_date is null



  
  
      
    ) dbt_internal_test