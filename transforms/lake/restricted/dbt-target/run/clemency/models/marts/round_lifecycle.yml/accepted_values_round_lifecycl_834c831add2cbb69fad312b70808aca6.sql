
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    

with all_values as (

    select
        proposal_timing as value_field,
        count(*) as n_records

    from "warehouse"."main"."round_lifecycle"
    group by proposal_timing

)

select *
from all_values
where value_field not in (
    'late','on_time','none'
)



  
  
      
    ) dbt_internal_test