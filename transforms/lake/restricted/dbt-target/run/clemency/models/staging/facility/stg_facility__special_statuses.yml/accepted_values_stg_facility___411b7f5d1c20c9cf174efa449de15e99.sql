
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    

with all_values as (

    select
        category as value_field,
        count(*) as n_records

    from "warehouse"."main"."stg_facility__special_statuses"
    group by category

)

select *
from all_values
where value_field not in (
    'merit','serious_illness','aged_70_plus','pregnant','child_under_36m','sole_worker','severe_disability'
)



  
  
      
    ) dbt_internal_test