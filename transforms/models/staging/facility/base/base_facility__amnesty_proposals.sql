with

source as (

    {{ delivered_events('facility_events', 'amnesty.proposed') }}

),

renamed as (

    select
        ---------- ids
        event_id,
        person_id,
        payload ->> '$.round_id' as round_id,

        ---------- dates
        cast(payload ->> '$.date' as date) as proposed_date,
        occurred_at,
        recorded_at,

        ---------- lineage
        kafka_topic,
        kafka_partition,
        kafka_offset

    from source

)

select * from renamed
