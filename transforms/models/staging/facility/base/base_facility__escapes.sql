with

source as (

    {{ delivered_events('facility_events', 'escape.recorded') }}

),

renamed as (

    select
        ---------- ids
        event_id,
        person_id,

        ---------- dates
        cast(payload ->> '$.date' as date) as escape_date,
        occurred_at,
        recorded_at,

        ---------- lineage
        kafka_topic,
        kafka_partition,
        kafka_offset

    from source

)

select * from renamed
