-- Absolute bars that come and go (Law on Amnesty Art. 12): a cassation or reopening review
-- pending, or a prosecution for another offence open, at each evaluation date. A review is
-- pending when the latest review event of that case and kind by then opened it.
with

points as (

    select distinct evaluation_date from {{ ref('int_evaluation_points') }}

),

reviews as (

    select * from {{ ref('stg_court__case_reviews') }}

),

prosecutions as (

    select * from {{ ref('stg_court__prosecutions') }}

),

review_state as (

    select
        reviews.person_id,
        points.evaluation_date,
        reviews.case_id,
        reviews.review_kind,
        -- same-day open and close: the later event wins
        arg_max(
            reviews.review_event, (reviews.review_date, reviews.occurred_at, reviews.event_id)
        ) as last_event
    from reviews
    inner join points on reviews.review_date <= points.evaluation_date
    group by all

),

prosecution_state as (

    select
        prosecutions.person_id,
        points.evaluation_date,
        prosecutions.case_id,
        arg_max(
            prosecutions.prosecution_event,
            (prosecutions.prosecution_date, prosecutions.occurred_at, prosecutions.event_id)
        ) as last_event
    from prosecutions
    inner join points on prosecutions.prosecution_date <= points.evaluation_date
    group by all

),

holds as (

    select
        person_id,
        evaluation_date,
        bool_or(last_event = 'opened') as has_pending_review,
        false as has_open_prosecution
    from review_state
    group by all

    union all

    select
        person_id,
        evaluation_date,
        false as has_pending_review,
        bool_or(last_event = 'opened') as has_open_prosecution
    from prosecution_state
    group by all

)

select
    person_id,
    evaluation_date,
    bool_or(has_pending_review) as has_pending_review,
    bool_or(has_open_prosecution) as has_open_prosecution
from holds
group by all
