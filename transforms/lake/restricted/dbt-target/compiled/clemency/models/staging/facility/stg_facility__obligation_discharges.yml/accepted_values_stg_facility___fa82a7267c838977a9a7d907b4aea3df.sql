
    
    

with all_values as (

    select
        discharge_reason as value_field,
        count(*) as n_records

    from "warehouse"."main"."stg_facility__obligation_discharges"
    group by discharge_reason

)

select *
from all_values
where value_field not in (
    'enforcement_terminated','creditor_waived'
)


