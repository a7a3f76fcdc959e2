
    
    

with all_values as (

    select
        review_direction as value_field,
        count(*) as n_records

    from "warehouse"."main"."stg_court__case_reviews"
    group by review_direction

)

select *
from all_values
where value_field not in (
    'heavier','lighter','other'
)


