
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select postponement_reason
from "warehouse"."main"."stg_court__postponements"
where postponement_reason is null



  
  
      
    ) dbt_internal_test