
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  

select program, scope_id, count(*) as occurrences
from "warehouse"."main"."int_evaluation_points"
group by program, scope_id
having count(*) > 1

  
  
      
    ) dbt_internal_test