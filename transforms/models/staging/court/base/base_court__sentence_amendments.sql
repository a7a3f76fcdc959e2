with

source as (

    {{ delivered_events('court_events', 'sentence.amended') }}

),

renamed as (

    select
        ---------- ids
        event_id,
        person_id,
        payload ->> '$.case_id' as case_id,

        ---------- changed sentence fields (null = unchanged)
        payload -> '$.offences' as offences,
        cast(payload ->> '$.term_months' as integer) as term_months,
        cast(payload ->> '$.life' as boolean) as is_life,
        cast(payload ->> '$.corruption' as boolean) as is_corruption,

        ---------- changed amounts (null = unchanged)
        cast(payload ->> '$.fine_vnd' as bigint) as fine_vnd,
        cast(payload ->> '$.court_fee_vnd' as bigint) as court_fee_vnd,
        cast(payload ->> '$.compensation_vnd' as bigint) as compensation_vnd,

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
