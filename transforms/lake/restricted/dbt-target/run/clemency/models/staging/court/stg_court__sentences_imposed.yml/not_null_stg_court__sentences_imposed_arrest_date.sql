
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select arrest_date
from "warehouse"."main"."stg_court__sentences_imposed"
where arrest_date is null



  
  
      
    ) dbt_internal_test