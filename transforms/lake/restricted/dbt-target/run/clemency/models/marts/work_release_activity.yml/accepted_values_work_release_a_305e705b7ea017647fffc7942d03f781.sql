
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    

with all_values as (

    select
        movement as value_field,
        count(*) as n_records

    from "warehouse"."main"."work_release_activity"
    group by movement

)

select *
from all_values
where value_field not in (
    'placed','returned'
)



  
  
      
    ) dbt_internal_test