
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  

select person_id, policy_id, count(*) as occurrences
from "warehouse"."main"."int_work_release_facts"
group by person_id, policy_id
having count(*) > 1

  
  
      
    ) dbt_internal_test