with

source as (

    {{ delivered_events('facility_events', 'discipline.recorded') }}

),

renamed as (

    select
        ---------- ids
        event_id,
        person_id,

        ---------- discipline
        payload ->> '$.severity' as severity,

        ---------- dates
        cast(payload ->> '$.date' as date) as discipline_date,
        occurred_at,
        recorded_at,

        ---------- lineage
        kafka_topic,
        kafka_partition,
        kafka_offset

    from source

)

select * from renamed
