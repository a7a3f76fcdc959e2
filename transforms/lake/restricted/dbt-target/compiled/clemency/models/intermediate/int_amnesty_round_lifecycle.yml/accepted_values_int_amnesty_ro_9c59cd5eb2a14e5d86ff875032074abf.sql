
    
    

with all_values as (

    select
        unattributed_reason as value_field,
        count(*) as n_records

    from "warehouse"."main"."int_amnesty_round_lifecycle"
    group by unattributed_reason

)

select *
from all_values
where value_field not in (
    'not_considered','unknown_agency'
)


