-- Time actually served at each evaluation date: from the arrest to the evaluation date,
-- less every suspension day in between (Law on Amnesty Art. 11: suspension periods do not
-- count; reductions never count as served, so they do not appear here).
with

sentences as (

    select * from {{ ref('int_sentences_at_evaluation') }}

),

suspensions as (

    select * from {{ ref('int_suspension_spans') }}

),

suspended as (

    select
        sentences.person_id,
        sentences.evaluation_date,
        sum(
            greatest(
                0,
                date_diff(
                    'day',
                    greatest(suspensions.start_date, sentences.arrest_date),
                    least(
                        coalesce(suspensions.end_date, sentences.evaluation_date),
                        sentences.evaluation_date
                    )
                )
            )
        ) as suspended_days,
        bool_or(
            suspensions.start_date <= sentences.evaluation_date
            and (suspensions.end_date is null or suspensions.end_date > sentences.evaluation_date)
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
        coalesce(suspended.suspended_days, 0) as suspended_days,
        coalesce(suspended.is_suspended, false) as is_suspended,
        greatest(
            0, date_diff('day', sentences.arrest_date, sentences.evaluation_date)
            - coalesce(suspended.suspended_days, 0)
        ) as served_days
    from sentences
    left join suspended using (person_id, evaluation_date)

)

select
    *,
    round(served_days / {{ var('days_per_month') }}, 1) as served_months
from served
