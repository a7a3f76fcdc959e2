
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select person_key
from "warehouse"."main"."work_release_eligibility"
where person_key is null



  
  
      
    ) dbt_internal_test