-- What a person's record shows by each evaluation date: earlier amnesties, escapes, the
-- latest health assessment, active special statuses and work-release placement.
with

points as (

    select distinct evaluation_date from {{ ref('int_evaluation_points') }}

),

grants as (

    select * from {{ ref('stg_court__amnesty_grants') }}

),

escapes as (

    select * from {{ ref('stg_facility__escapes') }}

),

health as (

    select * from {{ ref('stg_facility__health_assessments') }}

),

statuses as (

    select * from {{ ref('stg_facility__special_statuses') }}

),

movements as (

    select * from {{ ref('stg_facility__work_release_movements') }}

),

grants_at_point as (

    select
        grants.person_id,
        points.evaluation_date,
        list(distinct grants.round_id order by grants.round_id) as amnestied_rounds
    from grants
    inner join points
        on grants.effective_date <= points.evaluation_date
        and {{ recomputed('grants.person_id', 'points.evaluation_date') }}
    group by all

),

escapes_at_point as (

    select
        escapes.person_id,
        points.evaluation_date,
        count(*) as escape_count
    from escapes
    inner join points
        on escapes.escape_date <= points.evaluation_date
        and {{ recomputed('escapes.person_id', 'points.evaluation_date') }}
    group by all

),

health_at_point as (

    select
        health.person_id,
        points.evaluation_date,
        arg_max(health.has_infectious_group_a, health.assessed_date) as has_infectious_group_a,
        arg_max(health.is_fit_for_labour, health.assessed_date) as is_fit_for_labour,
        max(health.assessed_date) as last_assessed_date
    from health
    inner join points
        on health.assessed_date <= points.evaluation_date
        and {{ recomputed('health.person_id', 'points.evaluation_date') }}
    group by all

),

statuses_at_point as (

    select
        statuses.person_id,
        points.evaluation_date,
        list(distinct statuses.category order by statuses.category) as active_special_statuses
    from statuses
    inner join points
        on statuses.start_date <= points.evaluation_date
        and (statuses.end_date is null or statuses.end_date >= points.evaluation_date)
        and {{ recomputed('statuses.person_id', 'points.evaluation_date') }}
    group by all

),

placement_at_point as (

    select
        movements.person_id,
        points.evaluation_date,
        arg_max(movements.movement, movements.movement_date) = 'placed' as is_placed,
        arg_max(movements.site_id, movements.movement_date) as site_id
    from movements
    inner join points
        on movements.movement_date <= points.evaluation_date
        and {{ recomputed('movements.person_id', 'points.evaluation_date') }}
    group by all

),

people_at_points as (

    select
        people.person_id,
        points.evaluation_date
    from {{ ref('int_people') }} as people
    cross join points
    where {{ recomputed('people.person_id', 'points.evaluation_date') }}

),

history as (

    select
        people_at_points.person_id,
        people_at_points.evaluation_date,
        coalesce(grants_at_point.amnestied_rounds, []) as amnestied_rounds,
        coalesce(escapes_at_point.escape_count, 0) as escape_count,
        health_at_point.has_infectious_group_a,
        health_at_point.is_fit_for_labour,
        health_at_point.last_assessed_date,
        coalesce(statuses_at_point.active_special_statuses, []) as active_special_statuses,
        coalesce(placement_at_point.is_placed, false) as is_placed_on_work_release,
        placement_at_point.site_id as work_release_site_id
    from people_at_points
    left join grants_at_point using (person_id, evaluation_date)
    left join escapes_at_point using (person_id, evaluation_date)
    left join health_at_point using (person_id, evaluation_date)
    left join statuses_at_point using (person_id, evaluation_date)
    left join placement_at_point using (person_id, evaluation_date)

)

select * from history
