
    
    

with all_values as (

    select
        movement as value_field,
        count(*) as n_records

    from "warehouse"."main"."stg_facility__work_release_movements"
    group by movement

)

select *
from all_values
where value_field not in (
    'placed','returned'
)


