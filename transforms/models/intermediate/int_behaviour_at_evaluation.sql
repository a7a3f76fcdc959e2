-- Behaviour known at each evaluation date: the latest grade, the run of consecutive
-- qualifying quarters (kha or tot, no quarter missing) and the conduct since the last
-- graded quarter. Quarters are those of Decree 118/2024 Art. 18 (behaviour_quarter_calendar:
-- December-February, March-May, June-August, September-November).
--   * The run counts back from the latest graded quarter and must include the quarter the
--     evaluation point requires (int_evaluation_points.last_required_period: the round's own,
--     2025-2: Q2/2025; otherwise the last quarter ended before the date). Missing, it is 0,
--     unless the point allows that one quarter to be still ungraded (then the run may end a
--     quarter earlier).
--   * A sanction of warning or heavier (discipline_severities.fails_good_conduct) dated
--     after the end of the latest graded quarter, up to the evaluation date, is reported
--     with its date and severity (the heaviest, then the latest): the criteria fail on it.
-- Grades are quarterly: qualifying months = 3 x qualifying quarters.
with

-- one requirement per date: a round's own first (its cutoff may fall on the as-of date)
points as (

    select
        evaluation_date,
        last_required_period,
        last_required_quarter_index,
        last_required_period_end,
        ungraded_last_quarter_allowed
    from {{ ref('int_evaluation_points') }}
    qualify row_number() over (
        partition by evaluation_date order by program = 'amnesty' desc, scope_id
    ) = 1

),

calendar as (

    select * from {{ ref('behaviour_quarter_calendar') }}

),

severities as (

    select * from {{ ref('discipline_severities') }}

),

grades as (

    select * from {{ ref('stg_facility__behaviour_grades') }}

),

discipline as (

    select * from {{ ref('stg_facility__disciplinary_records') }}

),

-- each grading with its quarter's index and last day
gradings as (

    select
        grades.person_id,
        grades.period,
        grades.graded_date,
        grades.grade,
        grades.occurred_at,
        grades.event_id,
        grades.period_year * 4 + grades.period_quarter as quarter_index,
        last_day(make_date(grades.period_year, calendar.last_month, 1)) as period_end_date
    from grades
    left join calendar on calendar.quarter = grades.period_quarter

),

-- each quarter graded by each date: a re-grade of the same quarter replaces the earlier one
-- (an aggregate, not a window: a window sorts every grading at every date)
graded_at_point as (

    select
        *,
        grade in ('kha', 'tot') as is_qualifying
    from (
        select
            gradings.person_id,
            points.evaluation_date,
            gradings.period,
            gradings.quarter_index,
            gradings.period_end_date,
            arg_max(gradings.grade, (gradings.occurred_at, gradings.event_id)) as grade
        from gradings
        inner join points
            on gradings.graded_date <= points.evaluation_date
            and {{ recomputed('gradings.person_id', 'points.evaluation_date') }}
        group by all
    ) as latest_gradings

),

graded as (

    select
        graded_at_point.person_id,
        graded_at_point.evaluation_date,
        count(*) as graded_quarters,
        arg_max(graded_at_point.grade, graded_at_point.quarter_index) as latest_grade,
        arg_max(graded_at_point.period, graded_at_point.quarter_index) as latest_period,
        max(graded_at_point.quarter_index) as latest_index,
        max(graded_at_point.period_end_date) as latest_period_end,
        -- the run from the latest graded quarter back to the latest quarter that breaks it:
        -- a grade that does not qualify, or a quarter missing (the one before a graded
        -- quarter with no grade, the earliest graded quarter's at the least); a bigint, as the
        -- count it was before (person_status's contract)
        cast(
            max(graded_at_point.quarter_index) - greatest(
                max(graded_at_point.quarter_index) filter (where not graded_at_point.is_qualifying),
                max(graded_at_point.quarter_index - 1) filter (where earlier.quarter_index is null)
            ) as bigint
        ) as graded_run_quarters
    from graded_at_point
    left join graded_at_point as earlier
        on earlier.person_id = graded_at_point.person_id
        and earlier.evaluation_date = graded_at_point.evaluation_date
        and earlier.quarter_index = graded_at_point.quarter_index - 1
    group by graded_at_point.person_id, graded_at_point.evaluation_date

),

required_grades as (

    select
        graded_at_point.person_id,
        graded_at_point.evaluation_date,
        graded_at_point.grade as required_period_grade
    from graded_at_point
    inner join points
        on points.evaluation_date = graded_at_point.evaluation_date
        and points.last_required_quarter_index = graded_at_point.quarter_index

),

sanctions_at_point as (

    select
        discipline.person_id,
        points.evaluation_date,
        discipline.discipline_date,
        discipline.severity,
        severities.severity_rank
    from discipline
    inner join severities
        on severities.severity = discipline.severity
        and severities.fails_good_conduct
    inner join points
        on discipline.discipline_date <= points.evaluation_date
        and {{ recomputed('discipline.person_id', 'points.evaluation_date') }}

),

-- sanctions after the latest graded quarter (any sanction when nothing is graded yet)
window_sanctions as (

    select
        sanctions_at_point.person_id,
        sanctions_at_point.evaluation_date,
        count(*) as window_sanction_count,
        arg_max(
            sanctions_at_point.discipline_date,
            [sanctions_at_point.severity_rank, epoch(sanctions_at_point.discipline_date)]
        ) as window_sanction_date,
        arg_max(
            sanctions_at_point.severity,
            [sanctions_at_point.severity_rank, epoch(sanctions_at_point.discipline_date)]
        ) as window_sanction_severity
    from sanctions_at_point
    left join graded using (person_id, evaluation_date)
    where
        graded.latest_period_end is null
        or sanctions_at_point.discipline_date > graded.latest_period_end
    group by all

),

people_at_points as (

    select
        person_id,
        evaluation_date
    from graded
    union
    select
        person_id,
        evaluation_date
    from window_sanctions

),

behaviour as (

    select
        people_at_points.person_id,
        people_at_points.evaluation_date,
        coalesce(graded.graded_quarters, 0) as graded_quarters,
        graded.latest_grade,
        graded.latest_period,
        points.last_required_period,
        points.last_required_period_end,
        points.ungraded_last_quarter_allowed,
        required_grades.required_period_grade,
        coalesce(graded.graded_run_quarters, 0) as graded_run_quarters,
        case
            when graded.latest_index is null then 0
            when points.last_required_quarter_index is null then graded.graded_run_quarters
            -- the run reaches back to the required quarter
            when
                graded.latest_index >= points.last_required_quarter_index
                and graded.latest_index - graded.graded_run_quarters
                < points.last_required_quarter_index
                then graded.graded_run_quarters
            -- the required quarter is not graded yet and the point allows that
            when
                points.ungraded_last_quarter_allowed
                and graded.latest_index = points.last_required_quarter_index - 1
                then graded.graded_run_quarters
            else 0
        end as consecutive_good_quarters,
        graded.latest_period_end + 1 as conduct_window_start,
        coalesce(window_sanctions.window_sanction_count, 0) as window_sanction_count,
        window_sanctions.window_sanction_date,
        window_sanctions.window_sanction_severity,
        window_sanctions.person_id is not null as has_window_sanction
    from people_at_points
    inner join points using (evaluation_date)
    left join graded using (person_id, evaluation_date)
    left join required_grades using (person_id, evaluation_date)
    left join window_sanctions using (person_id, evaluation_date)

)

select
    *,
    consecutive_good_quarters * 3 as consecutive_good_months
from behaviour
