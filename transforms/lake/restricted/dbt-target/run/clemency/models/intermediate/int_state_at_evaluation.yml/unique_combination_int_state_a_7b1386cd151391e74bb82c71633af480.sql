
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  

select person_id, evaluation_date, count(*) as occurrences
from "warehouse"."main"."int_state_at_evaluation"
group by person_id, evaluation_date
having count(*) > 1

  
  
      
    ) dbt_internal_test