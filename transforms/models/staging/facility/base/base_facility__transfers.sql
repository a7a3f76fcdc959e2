with

source as (

    {{ delivered_events('facility_events', 'person.transferred') }}

),

renamed as (

    select
        ---------- ids
        event_id,
        person_id,
        payload ->> '$.from_facility_id' as from_facility_id,
        payload ->> '$.to_facility_id' as to_facility_id,

        ---------- dates
        cast(payload ->> '$.date' as date) as transfer_date,
        occurred_at,
        recorded_at,

        ---------- lineage
        kafka_topic,
        kafka_partition,
        kafka_offset

    from source

)

select * from renamed
