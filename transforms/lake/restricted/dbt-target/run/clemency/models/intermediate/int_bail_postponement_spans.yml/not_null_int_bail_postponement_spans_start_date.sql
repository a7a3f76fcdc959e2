
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select start_date
from "warehouse"."main"."int_bail_postponement_spans"
where start_date is null



  
  
      
    ) dbt_internal_test