
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select span_kind
from "warehouse"."main"."int_bail_postponement_spans"
where span_kind is null



  
  
      
    ) dbt_internal_test