with

reviews_opened as (

    
    select
        event_id,
        person_id,
        entity_key,
        occurred_at,
        recorded_at,
        source_id,
        payload,
        kafka_topic,
        kafka_partition,
        kafka_offset
    from "warehouse"."main"."stg_raw__court_deliveries"
    where is_first_delivery
        and event_type = 'case.review_opened'
        and cast(recorded_at as date) <= (select max(as_of_date) from "warehouse"."main"."stg_run__as_of_dates")


),

reviews_closed as (

    
    select
        event_id,
        person_id,
        entity_key,
        occurred_at,
        recorded_at,
        source_id,
        payload,
        kafka_topic,
        kafka_partition,
        kafka_offset
    from "warehouse"."main"."stg_raw__court_deliveries"
    where is_first_delivery
        and event_type = 'case.review_closed'
        and cast(recorded_at as date) <= (select max(as_of_date) from "warehouse"."main"."stg_run__as_of_dates")


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