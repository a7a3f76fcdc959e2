{#
    The evaluation points of a build at `as_of` (a scalar SQL date): model
    int_evaluation_points at the build's as-of date, and int_evaluation_scope at the date the
    kept person-level rows were computed for, to tell which evaluation dates did not move.
    The dates decisions are judged at: every amnesty round at its cutoff (once its decision
    is signed by the as-of date), the work-release policy at the as-of date while the pilot
    runs, and the plain as-of date for the current snapshot (person_status). Each point also
    names the behaviour quarter (Decree 118/2024 Art. 18 counting) its qualifying run must
    include: the round's own (amnesty_rounds.last_required_period), otherwise the last
    quarter that ended before the date.
#}
{% macro evaluation_points(as_of) %}
with

rounds as (

    select * from {{ ref('amnesty_rounds') }}

),

policies as (

    select * from {{ ref('work_release_policy') }}

),

calendar as (

    select * from {{ ref('behaviour_quarter_calendar') }}

),

as_of as (

    select {{ as_of }} as as_of_date

),

points as (

    select
        'amnesty' as program,
        rounds.round_id as scope_id,
        rounds.rule_version,
        rounds.cutoff_date as evaluation_date,
        rounds.last_required_period,
        rounds.ungraded_last_quarter_allowed
    from rounds
    cross join as_of
    where rounds.signed_date <= as_of.as_of_date

    union all

    select
        'work_release' as program,
        policies.policy_id as scope_id,
        policies.rule_version,
        as_of.as_of_date as evaluation_date,
        null as last_required_period,
        policies.ungraded_last_quarter_allowed
    from policies
    cross join as_of
    where as_of.as_of_date between policies.pilot_start and policies.pilot_end

    union all

    select
        'status' as program,
        'snapshot' as scope_id,
        null as rule_version,
        as_of_date,
        null as last_required_period,
        false as ungraded_last_quarter_allowed
    from as_of

),

years_back as (

    select unnest([0, 1]) as years

),

-- every quarter of the year of each date and of the year before, with its last day
quarters_near_points as (

    select
        points.program,
        points.scope_id,
        year(points.evaluation_date) - years_back.years as period_year,
        calendar.quarter as period_quarter,
        last_day(
            make_date(year(points.evaluation_date) - years_back.years, calendar.last_month, 1)
        ) as period_end_date
    from points
    cross join calendar
    cross join years_back

),

-- the last quarter that ended before the date: graded by then, so it can be required
last_ended as (

    select
        quarters_near_points.program,
        quarters_near_points.scope_id,
        arg_max(
            quarters_near_points.period_year || '-Q' || quarters_near_points.period_quarter,
            quarters_near_points.period_end_date
        ) as last_ended_period
    from quarters_near_points
    inner join points using (program, scope_id)
    where quarters_near_points.period_end_date < points.evaluation_date
    group by all

),

required as (

    select
        points.program,
        points.scope_id,
        points.rule_version,
        points.evaluation_date,
        coalesce(points.last_required_period, last_ended.last_ended_period)
            as last_required_period,
        points.ungraded_last_quarter_allowed
    from points
    left join last_ended using (program, scope_id)

),

final as (

    select
        required.*,
        cast(left(required.last_required_period, 4) as integer) * 4
        + cast(right(required.last_required_period, 1) as integer) as last_required_quarter_index,
        last_day(make_date(
            cast(left(required.last_required_period, 4) as integer), calendar.last_month, 1
        )) as last_required_period_end
    from required
    left join calendar
        on calendar.quarter = cast(right(required.last_required_period, 1) as integer)

)

select * from final
{% endmacro %}
