
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    

with all_values as (

    select
        agency as value_field,
        count(*) as n_records

    from "warehouse"."main"."stg_reference__facilities"
    group by agency

)

select *
from all_values
where value_field not in (
    'MoPS','MND'
)



  
  
      
    ) dbt_internal_test