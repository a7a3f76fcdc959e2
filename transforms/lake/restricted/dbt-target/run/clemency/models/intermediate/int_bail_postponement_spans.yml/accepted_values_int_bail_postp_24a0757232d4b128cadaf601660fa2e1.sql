
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    

with all_values as (

    select
        span_kind as value_field,
        count(*) as n_records

    from "warehouse"."main"."int_bail_postponement_spans"
    group by span_kind

)

select *
from all_values
where value_field not in (
    'bail','postponement'
)



  
  
      
    ) dbt_internal_test