with

source as (

    {{ delivered_events('court_events', 'sentence.reduced') }}

),

renamed as (

    select
        ---------- ids
        event_id,
        person_id,
        payload ->> '$.case_id' as case_id,

        ---------- reduction
        cast(payload ->> '$.months' as integer) as reduction_months,
        cast(payload ->> '$.life_to_term_months' as integer) as life_to_term_months,

        ---------- dates
        cast(payload ->> '$.decision_date' as date) as decision_date,
        occurred_at,
        recorded_at,

        ---------- lineage
        kafka_topic,
        kafka_partition,
        kafka_offset

    from source

)

select * from renamed
