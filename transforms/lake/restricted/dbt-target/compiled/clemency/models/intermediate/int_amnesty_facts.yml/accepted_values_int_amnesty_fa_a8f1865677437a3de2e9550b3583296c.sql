
    
    

with all_values as (

    select
        pending_review_direction as value_field,
        count(*) as n_records

    from "warehouse"."main"."int_amnesty_facts"
    group by pending_review_direction

)

select *
from all_values
where value_field not in (
    'heavier','unknown','other','lighter'
)


