-- Time actually served at each evaluation date: custody from the arrest to the evaluation
-- date, less every day on temporary suspension of serving, on bail before the judgment took
-- effect (tại ngoại) and on a postponement of serving (Law on Amnesty Art. 11; round guidance
-- 94/HD-HĐTVĐX: bail, postponement and suspension do not count). Overlapping spans count
-- once. Reductions never count as served, so they do not appear here.
with

sentences as (

    select * from {{ ref('int_sentences_at_evaluation') }}
    where {{ recomputed('person_id', 'evaluation_date') }}

),

suspensions as (

    select * from {{ ref('int_suspension_spans') }}

),

bail_and_postponements as (

    select * from {{ ref('int_bail_postponement_spans') }}

),

spans as (

    select
        person_id,
        case_id,
        'suspension' as span_kind,
        start_date,
        end_date
    from suspensions
    union all
    select
        person_id,
        case_id,
        span_kind,
        start_date,
        end_date
    from bail_and_postponements

),

-- each span cut to [arrest, evaluation date); an open span runs to the evaluation date
clipped as (

    select
        sentences.person_id,
        sentences.evaluation_date,
        spans.span_kind,
        greatest(spans.start_date, sentences.arrest_date) as start_date,
        least(
            coalesce(spans.end_date, sentences.evaluation_date), sentences.evaluation_date
        ) as end_date
    from sentences
    inner join spans
        on spans.person_id = sentences.person_id
        and spans.case_id = sentences.case_id
        and spans.start_date <= sentences.evaluation_date

),

-- every span counts in its own kind and once more in 'any' (all kinds together)
grouped as (

    select
        person_id,
        evaluation_date,
        span_kind as span_group,
        start_date,
        end_date
    from clipped
    where end_date > start_date
    union all
    select
        person_id,
        evaluation_date,
        'any' as span_group,
        start_date,
        end_date
    from clipped
    where end_date > start_date

),

-- overlapping or touching spans merge into one island, so no day is taken off twice
ordered as (

    select
        *,
        max(end_date) over (
            partition by person_id, evaluation_date, span_group
            order by start_date, end_date
            rows between unbounded preceding and 1 preceding
        ) as covered_until
    from grouped

),

islands as (

    select
        *,
        sum(case when covered_until is null or start_date > covered_until then 1 else 0 end)
            over (
                partition by person_id, evaluation_date, span_group
                order by start_date, end_date
                rows between unbounded preceding and current row
            ) as island
    from ordered

),

merged as (

    select
        person_id,
        evaluation_date,
        span_group,
        island,
        date_diff('day', min(start_date), max(end_date)) as span_days
    from islands
    group by all

),

not_served as (

    select
        person_id,
        evaluation_date,
        coalesce(sum(span_days) filter (where span_group = 'suspension'), 0) as suspended_days,
        coalesce(sum(span_days) filter (where span_group = 'bail'), 0) as bail_days,
        coalesce(sum(span_days) filter (where span_group = 'postponement'), 0) as postponed_days,
        coalesce(sum(span_days) filter (where span_group = 'any'), 0) as not_served_days
    from merged
    group by all

),

suspended_now as (

    select
        sentences.person_id,
        sentences.evaluation_date,
        bool_or(
            suspensions.end_date is null or suspensions.end_date > sentences.evaluation_date
        ) as is_suspended
    from sentences
    inner join suspensions
        on suspensions.person_id = sentences.person_id
        and suspensions.case_id = sentences.case_id
        and suspensions.start_date <= sentences.evaluation_date
    group by all

),

served as (

    select
        sentences.person_id,
        sentences.evaluation_date,
        sentences.arrest_date,
        cast(coalesce(not_served.suspended_days, 0) as bigint) as suspended_days,
        coalesce(suspended_now.is_suspended, false) as is_suspended,
        cast(coalesce(not_served.bail_days, 0) as bigint) as bail_days,
        cast(coalesce(not_served.postponed_days, 0) as bigint) as postponed_days,
        cast(coalesce(not_served.not_served_days, 0) as bigint) as not_served_days,
        greatest(
            0, date_diff('day', sentences.arrest_date, sentences.evaluation_date)
            - coalesce(not_served.not_served_days, 0)
        ) as served_days
    from sentences
    left join not_served using (person_id, evaluation_date)
    left join suspended_now using (person_id, evaluation_date)

)

select
    *,
    round(served_days / {{ var('days_per_month') }}, 1) as served_months
from served
