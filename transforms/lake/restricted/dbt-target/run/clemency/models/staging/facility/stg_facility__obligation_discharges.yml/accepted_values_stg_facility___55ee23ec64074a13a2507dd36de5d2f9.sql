
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    

with all_values as (

    select
        obligation_kind as value_field,
        count(*) as n_records

    from "warehouse"."main"."stg_facility__obligation_discharges"
    group by obligation_kind

)

select *
from all_values
where value_field not in (
    'fine','court_fee','compensation'
)



  
  
      
    ) dbt_internal_test