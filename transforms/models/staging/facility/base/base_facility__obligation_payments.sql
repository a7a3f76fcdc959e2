with

source as (

    {{ delivered_events('facility_events', 'obligation.paid') }}

),

renamed as (

    select
        ---------- ids
        event_id,
        person_id,

        ---------- payment
        payload ->> '$.kind' as obligation_kind,
        cast(payload ->> '$.amount_vnd' as bigint) as amount_vnd,

        ---------- dates
        cast(payload ->> '$.date' as date) as paid_date,
        occurred_at,
        recorded_at,

        ---------- lineage
        kafka_topic,
        kafka_partition,
        kafka_offset

    from source

)

select * from renamed
