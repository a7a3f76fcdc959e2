
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select has_pending_review
from "warehouse"."main"."int_amnesty_facts"
where has_pending_review is null



  
  
      
    ) dbt_internal_test