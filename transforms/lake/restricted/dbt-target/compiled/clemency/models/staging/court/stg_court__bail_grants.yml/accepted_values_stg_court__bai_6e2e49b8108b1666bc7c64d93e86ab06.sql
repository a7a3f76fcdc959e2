
    
    

with all_values as (

    select
        bail_measure as value_field,
        count(*) as n_records

    from "warehouse"."main"."stg_court__bail_grants"
    group by bail_measure

)

select *
from all_values
where value_field not in (
    'guarantee','deposit','residence_ban'
)


