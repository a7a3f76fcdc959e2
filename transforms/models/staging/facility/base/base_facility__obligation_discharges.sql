with

source as (

    {{ delivered_events('facility_events', 'obligation.discharged') }}

),

renamed as (

    select
        ---------- ids
        event_id,
        person_id,

        ---------- discharge
        payload ->> '$.kind' as obligation_kind,
        payload ->> '$.reason' as discharge_reason,
        payload ->> '$.decision_no' as decision_no,

        ---------- dates
        cast(payload ->> '$.date' as date) as discharged_date,
        occurred_at,
        recorded_at,

        ---------- lineage
        kafka_topic,
        kafka_partition,
        kafka_offset

    from source

)

select * from renamed
