with

source as (

    {{ delivered_events('court_events', 'bail.granted') }}

),

renamed as (

    select
        ---------- ids
        event_id,
        person_id,
        payload ->> '$.case_id' as case_id,

        ---------- bail
        payload ->> '$.measure' as bail_measure,

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
