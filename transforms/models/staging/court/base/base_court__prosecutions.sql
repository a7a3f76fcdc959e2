with

prosecutions_opened as (

    {{ delivered_events('court_events', 'prosecution.opened') }}

),

prosecutions_closed as (

    {{ delivered_events('court_events', 'prosecution.closed') }}

),

unioned as (

    select
        'opened' as prosecution_event,
        *
    from prosecutions_opened
    union all
    select
        'closed' as prosecution_event,
        *
    from prosecutions_closed

),

renamed as (

    select
        ---------- ids
        event_id,
        person_id,
        payload ->> '$.case_id' as case_id,

        ---------- prosecution
        prosecution_event,

        ---------- dates
        cast(payload ->> '$.date' as date) as prosecution_date,
        occurred_at,
        recorded_at,

        ---------- lineage
        kafka_topic,
        kafka_partition,
        kafka_offset

    from unioned

)

select * from renamed
