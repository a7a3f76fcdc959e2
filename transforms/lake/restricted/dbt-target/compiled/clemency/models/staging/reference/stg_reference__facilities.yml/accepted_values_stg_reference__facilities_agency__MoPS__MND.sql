
    
    

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


