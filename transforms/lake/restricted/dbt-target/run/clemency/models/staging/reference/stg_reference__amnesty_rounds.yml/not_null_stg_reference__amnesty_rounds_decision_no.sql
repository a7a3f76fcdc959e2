
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select decision_no
from "warehouse"."main"."stg_reference__amnesty_rounds"
where decision_no is null



  
  
      
    ) dbt_internal_test