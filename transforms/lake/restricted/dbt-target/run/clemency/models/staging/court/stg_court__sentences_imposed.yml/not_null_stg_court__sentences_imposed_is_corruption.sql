
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select is_corruption
from "warehouse"."main"."stg_court__sentences_imposed"
where is_corruption is null



  
  
      
    ) dbt_internal_test