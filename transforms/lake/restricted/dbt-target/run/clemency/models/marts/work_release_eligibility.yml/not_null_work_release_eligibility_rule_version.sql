
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select rule_version
from "warehouse"."main"."work_release_eligibility"
where rule_version is null



  
  
      
    ) dbt_internal_test