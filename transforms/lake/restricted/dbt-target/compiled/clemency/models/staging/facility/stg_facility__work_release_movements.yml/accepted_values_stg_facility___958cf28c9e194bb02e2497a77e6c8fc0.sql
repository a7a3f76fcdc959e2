
    
    

with all_values as (

    select
        return_reason as value_field,
        count(*) as n_records

    from "warehouse"."main"."stg_facility__work_release_movements"
    group by return_reason

)

select *
from all_values
where value_field not in (
    'violation','end_of_placement','before_release','health','other'
)


