-- Absolute bars that come and go (Law on Amnesty Art. 12): a cassation or reopening review
-- pending, or a prosecution for another offence open, at each evaluation date. A review is
-- pending when the latest review event of that case and kind by then opened it; it bars
-- only when it seeks a heavier criminal liability (Art. 12(2): "theo hướng tăng nặng trách
-- nhiệm hình sự"), and, conservatively, when the opening event does not say which way.
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
        -- same-day open and close: the later event wins; a struct, as arg_max skips a null
        -- argument and the direction of the latest event may be null
        arg_max(
            { 'review_event': reviews.review_event, 'direction': reviews.review_direction },
            (reviews.review_date, reviews.occurred_at, reviews.event_id)
        ) as last_review
    from reviews
    inner join points
        on reviews.review_date <= points.evaluation_date
        and {{ recomputed('reviews.person_id', 'points.evaluation_date') }}
    group by all

),

reviews_judged as (

    select
        review_state.person_id,
        review_state.evaluation_date,
        review_state.last_review.review_event = 'opened' as is_pending,
        coalesce(review_state.last_review.direction, 'unknown') as direction,
        -- heavier and unknown bar (the conservative reading of an event that does not say)
        review_state.last_review.review_event = 'opened'
        and coalesce(review_state.last_review.direction, 'unknown') in ('heavier', 'unknown')
            as bars,
        case coalesce(review_state.last_review.direction, 'unknown')
            when 'heavier' then 4 when 'unknown' then 3 when 'other' then 2 else 1
        end as weight
    from review_state

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
    inner join points
        on prosecutions.prosecution_date <= points.evaluation_date
        and {{ recomputed('prosecutions.person_id', 'points.evaluation_date') }}
    group by all

),

holds as (

    select
        person_id,
        evaluation_date,
        bool_or(is_pending) as has_pending_review,
        bool_or(bars) as has_barring_review,
        -- of several pending reviews, the one that weighs most: heavier, unknown, other, lighter
        arg_max(direction, weight) filter (where is_pending) as pending_review_direction,
        false as has_open_prosecution
    from reviews_judged
    group by all

    union all

    select
        person_id,
        evaluation_date,
        false as has_pending_review,
        false as has_barring_review,
        null as pending_review_direction,
        bool_or(last_event = 'opened') as has_open_prosecution
    from prosecution_state
    group by all

)

select
    person_id,
    evaluation_date,
    bool_or(has_pending_review) as has_pending_review,
    bool_or(has_barring_review) as has_barring_review,
    max(pending_review_direction) as pending_review_direction,
    bool_or(has_open_prosecution) as has_open_prosecution
from holds
group by all
