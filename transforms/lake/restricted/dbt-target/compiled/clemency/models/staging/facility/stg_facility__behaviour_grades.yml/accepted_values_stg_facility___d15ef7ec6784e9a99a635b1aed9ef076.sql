
    
    

with all_values as (

    select
        grade as value_field,
        count(*) as n_records

    from "warehouse"."main"."stg_facility__behaviour_grades"
    group by grade

)

select *
from all_values
where value_field not in (
    'tot','kha','trung_binh','kem'
)


