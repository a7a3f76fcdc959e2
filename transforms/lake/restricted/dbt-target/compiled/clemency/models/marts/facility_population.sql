

with

facilities as (

    select * from "warehouse"."main"."stg_reference__facilities"

),

admissions as (

    select * from "warehouse"."main"."stg_facility__admissions"

),

admitted_per_facility as (

    select
        facility_id,
        count(distinct person_id) as people_admitted
    from admissions
    group by facility_id

),

joined as (

    select
        facilities.facility_id,
        facilities.facility_name,
        facilities.facility_kind,
        facilities.agency,
        facilities.province,
        facilities.capacity,
        coalesce(admitted_per_facility.people_admitted, 0) as people_admitted,
        (select max(as_of_date) from "warehouse"."main"."stg_run__as_of_dates") as as_of_date
    from facilities
    left join admitted_per_facility using (facility_id)

)

select * from joined
order by agency, province, facility_id