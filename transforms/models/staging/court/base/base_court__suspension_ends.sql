with

source as (

    {{ delivered_events('court_events', 'sentence.suspension_ended') }}

),

renamed as (

    select
        ---------- ids
        event_id,
        person_id,
        payload ->> '$.case_id' as case_id,

        ---------- dates
        cast(payload ->> '$.date' as date) as ended_date,
        occurred_at,
        recorded_at,

        ---------- lineage
        kafka_topic,
        kafka_partition,
        kafka_offset

    from source

)

select * from renamed
