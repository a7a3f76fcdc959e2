
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    

with all_values as (

    select
        postponement_reason as value_field,
        count(*) as n_records

    from "warehouse"."main"."stg_court__postponements"
    group by postponement_reason

)

select *
from all_values
where value_field not in (
    'serious_illness','pregnant_or_child_under_36m','sole_worker','public_duty'
)



  
  
      
    ) dbt_internal_test