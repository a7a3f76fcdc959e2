-- Behaviour grades known at each evaluation date: the latest grade and the run of
-- consecutive qualifying quarters (kha or tot, no quarter missing) ending at the latest
-- graded quarter. The run must reach the last completed quarter before the evaluation
-- date; that one quarter may still be ungraded (grading takes a few days), any more is a
-- gap and the run is 0. Grades are quarterly: qualifying months = 3 x qualifying quarters.
with

points as (

    select distinct evaluation_date from {{ ref('int_evaluation_points') }}

),

grades as (

    select * from {{ ref('stg_facility__behaviour_grades') }}

),

-- a re-grade of the same quarter replaces the earlier one
graded_at_point as (

    select
        grades.person_id,
        points.evaluation_date,
        grades.period,
        grades.period_year * 4 + grades.period_quarter as quarter_index,
        grades.grade,
        grades.grade in ('kha', 'tot') as is_qualifying
    from grades
    inner join points on grades.graded_date <= points.evaluation_date
    qualify row_number() over (
        partition by grades.person_id, points.evaluation_date, grades.period
        order by grades.occurred_at desc, grades.event_id desc
    ) = 1

),

ranked as (

    select
        *,
        row_number() over (
            partition by person_id, evaluation_date order by quarter_index desc
        ) as recency,
        max(quarter_index) over (partition by person_id, evaluation_date) as latest_index,
        year(evaluation_date) * 4 + quarter(evaluation_date) - 1 as last_completed_index
    from graded_at_point

),

summary as (

    select
        person_id,
        evaluation_date,
        count(*) as graded_quarters,
        arg_max(grade, quarter_index) as latest_grade,
        arg_max(period, quarter_index) as latest_period,
        -- the run stops at the first non-qualifying grade or the first missing quarter
        case
            when last_completed_index - max(quarter_index) > 1 then 0
            else coalesce(
                min(recency) filter (
                    where not is_qualifying or latest_index - quarter_index <> recency - 1
                ) - 1,
                count(*)
            )
        end as consecutive_good_quarters
    from ranked
    group by person_id, evaluation_date, last_completed_index

)

select
    *,
    consecutive_good_quarters * 3 as consecutive_good_months
from summary
