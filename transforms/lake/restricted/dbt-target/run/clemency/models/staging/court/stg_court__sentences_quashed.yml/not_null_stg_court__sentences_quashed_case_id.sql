
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select case_id
from "warehouse"."main"."stg_court__sentences_quashed"
where case_id is null



  
  
      
    ) dbt_internal_test