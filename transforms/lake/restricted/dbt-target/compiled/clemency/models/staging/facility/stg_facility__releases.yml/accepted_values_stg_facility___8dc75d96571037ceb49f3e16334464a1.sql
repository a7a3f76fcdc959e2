
    
    

with all_values as (

    select
        release_reason as value_field,
        count(*) as n_records

    from "warehouse"."main"."stg_facility__releases"
    group by release_reason

)

select *
from all_values
where value_field not in (
    'amnesty','end_of_term','parole','other'
)


