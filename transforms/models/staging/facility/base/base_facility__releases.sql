with

source as (

    {{ delivered_events('facility_events', 'person.released') }}

),

renamed as (

    select
        ---------- ids
        event_id,
        person_id,

        ---------- release
        payload ->> '$.reason' as release_reason,

        ---------- dates
        cast(payload ->> '$.date' as date) as release_date,
        occurred_at,
        recorded_at,

        ---------- lineage
        kafka_topic,
        kafka_partition,
        kafka_offset

    from source

)

select * from renamed
