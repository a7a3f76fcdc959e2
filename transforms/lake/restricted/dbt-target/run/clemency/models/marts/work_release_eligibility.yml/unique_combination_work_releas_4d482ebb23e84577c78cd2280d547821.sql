
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  

select person_key, policy_id, count(*) as occurrences
from "warehouse"."main"."work_release_eligibility"
group by person_key, policy_id
having count(*) > 1

  
  
      
    ) dbt_internal_test