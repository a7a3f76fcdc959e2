with

source as (

    {{ delivered_events('facility_events', 'special_status.recorded') }}

),

renamed as (

    select
        ---------- ids
        event_id,
        person_id,

        ---------- status
        payload ->> '$.category' as category,

        ---------- dates
        cast(payload ->> '$.start_date' as date) as start_date,
        cast(payload ->> '$.end_date' as date) as end_date,
        occurred_at,
        recorded_at,

        ---------- lineage
        kafka_topic,
        kafka_partition,
        kafka_offset

    from source

)

select * from renamed
