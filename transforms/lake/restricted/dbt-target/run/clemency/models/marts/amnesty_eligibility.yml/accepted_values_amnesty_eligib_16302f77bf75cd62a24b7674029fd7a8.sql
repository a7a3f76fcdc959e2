
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    

with all_values as (

    select
        pending_review_direction as value_field,
        count(*) as n_records

    from "warehouse"."main"."amnesty_eligibility"
    group by pending_review_direction

)

select *
from all_values
where value_field not in (
    'heavier','unknown','other','lighter'
)



  
  
      
    ) dbt_internal_test