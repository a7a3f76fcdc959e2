
    
    

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


