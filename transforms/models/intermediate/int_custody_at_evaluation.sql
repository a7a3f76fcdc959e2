-- Where each person is at each evaluation date: in custody or not, which facility,
-- agency and province (after transfers), and when they were admitted and released.
with

points as (

    select distinct evaluation_date from {{ ref('int_evaluation_points') }}

),

admissions as (

    select * from {{ ref('stg_facility__admissions') }}

),

transfers as (

    select * from {{ ref('stg_facility__transfers') }}

),

releases as (

    select * from {{ ref('stg_facility__releases') }}

),

facilities as (

    select * from {{ ref('stg_reference__facilities') }}

),

moves as (

    select
        person_id,
        admission_date as move_date,
        facility_id,
        0 as move_order,
        event_id
    from admissions
    union all
    select
        person_id,
        transfer_date as move_date,
        to_facility_id as facility_id,
        1 as move_order,
        event_id
    from transfers

),

location_at_point as (

    select
        moves.person_id,
        points.evaluation_date,
        moves.facility_id
    from moves
    inner join points
        on moves.move_date <= points.evaluation_date
        and {{ recomputed('moves.person_id', 'points.evaluation_date') }}
    qualify row_number() over (
        partition by moves.person_id, points.evaluation_date
        order by moves.move_date desc, moves.move_order desc, moves.event_id desc
    ) = 1

),

first_admission_at_point as (

    select
        admissions.person_id,
        points.evaluation_date,
        min(admissions.admission_date) as admission_date
    from admissions
    inner join points
        on admissions.admission_date <= points.evaluation_date
        and {{ recomputed('admissions.person_id', 'points.evaluation_date') }}
    group by all

),

release_at_point as (

    select
        releases.person_id,
        points.evaluation_date,
        max(releases.release_date) as release_date,
        arg_max(releases.release_reason, releases.release_date) as release_reason
    from releases
    inner join points
        on releases.release_date <= points.evaluation_date
        and {{ recomputed('releases.person_id', 'points.evaluation_date') }}
    group by all

),

custody as (

    select
        location_at_point.person_id,
        location_at_point.evaluation_date,
        location_at_point.facility_id,
        facilities.agency,
        facilities.province,
        facilities.facility_kind,
        first_admission_at_point.admission_date,
        release_at_point.release_date,
        release_at_point.release_reason,
        release_at_point.release_date is null as is_in_custody
    from location_at_point
    inner join first_admission_at_point using (person_id, evaluation_date)
    left join release_at_point using (person_id, evaluation_date)
    left join facilities using (facility_id)

)

select * from custody
