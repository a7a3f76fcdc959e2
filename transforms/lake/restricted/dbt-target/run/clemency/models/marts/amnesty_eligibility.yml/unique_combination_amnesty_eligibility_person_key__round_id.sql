
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  

select person_key, round_id, count(*) as occurrences
from "warehouse"."main"."amnesty_eligibility"
group by person_key, round_id
having count(*) > 1

  
  
      
    ) dbt_internal_test