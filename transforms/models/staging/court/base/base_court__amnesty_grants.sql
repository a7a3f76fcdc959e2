with

source as (

    {{ delivered_events('court_events', 'amnesty.granted') }}

),

renamed as (

    select
        ---------- ids
        event_id,
        person_id,
        payload ->> '$.round_id' as round_id,
        payload ->> '$.decision_no' as decision_no,

        ---------- dates
        cast(payload ->> '$.effective_date' as date) as effective_date,
        occurred_at,
        recorded_at,

        ---------- lineage
        kafka_topic,
        kafka_partition,
        kafka_offset

    from source

)

select * from renamed
