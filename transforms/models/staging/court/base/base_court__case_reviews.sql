with

reviews_opened as (

    {{ delivered_events('court_events', 'case.review_opened') }}

),

reviews_closed as (

    {{ delivered_events('court_events', 'case.review_closed') }}

),

unioned as (

    select
        'opened' as review_event,
        *
    from reviews_opened
    union all
    select
        'closed' as review_event,
        *
    from reviews_closed

),

renamed as (

    select
        ---------- ids
        event_id,
        person_id,
        payload ->> '$.case_id' as case_id,

        ---------- review
        payload ->> '$.kind' as review_kind,
        review_event,
        -- what an opened review seeks (optional since schema version 1: null = not said)
        payload ->> '$.direction' as review_direction,

        ---------- dates
        cast(payload ->> '$.date' as date) as review_date,
        occurred_at,
        recorded_at,

        ---------- lineage
        kafka_topic,
        kafka_partition,
        kafka_offset

    from unioned

)

select * from renamed
