
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    

with all_values as (

    select
        prosecution_event as value_field,
        count(*) as n_records

    from "warehouse"."main"."stg_court__prosecutions"
    group by prosecution_event

)

select *
from all_values
where value_field not in (
    'opened','closed'
)



  
  
      
    ) dbt_internal_test