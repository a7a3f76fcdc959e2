
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  

select person_id, round_id, count(*) as occurrences
from "warehouse"."main"."int_amnesty_round_bars"
group by person_id, round_id
having count(*) > 1

  
  
      
    ) dbt_internal_test