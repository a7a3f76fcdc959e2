
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select province
from "warehouse"."main"."stg_reference__facilities"
where province is null



  
  
      
    ) dbt_internal_test