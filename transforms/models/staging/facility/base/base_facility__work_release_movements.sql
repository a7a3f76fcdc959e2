with

placements as (

    {{ delivered_events('facility_events', 'work_release.placed') }}

),

returns as (

    {{ delivered_events('facility_events', 'work_release.returned') }}

),

unioned as (

    select
        'placed' as movement,
        *
    from placements
    union all
    select
        'returned' as movement,
        *
    from returns

),

renamed as (

    select
        ---------- ids
        event_id,
        person_id,
        payload ->> '$.site_id' as site_id,

        ---------- movement
        movement,
        payload ->> '$.reason' as return_reason,

        ---------- dates
        cast(payload ->> '$.date' as date) as movement_date,
        occurred_at,
        recorded_at,

        ---------- lineage
        kafka_topic,
        kafka_partition,
        kafka_offset

    from unioned

)

select * from renamed
