with

source as (

    {{ delivered_events('facility_events', 'health.assessed') }}

),

renamed as (

    select
        ---------- ids
        event_id,
        person_id,

        ---------- health
        cast(payload ->> '$.infectious_group_a' as boolean) as has_infectious_group_a,
        cast(payload ->> '$.fit_for_labour' as boolean) as is_fit_for_labour,

        ---------- dates
        cast(payload ->> '$.date' as date) as assessed_date,
        occurred_at,
        recorded_at,

        ---------- lineage
        kafka_topic,
        kafka_partition,
        kafka_offset

    from source

)

select * from renamed
