with

source as (

    {{ delivered_events('court_events', 'sentence.imposed') }}

),

-- the payload parsed once into its fields (macros/staged_events.sql): one `->>` a field
-- parses it once a field; `offences` stays JSON
parsed as (

    select
        *,
        from_json(payload, '{
            "case_id": "VARCHAR", "court_id": "VARCHAR", "offences": "JSON",
            "term_months": "VARCHAR", "life": "VARCHAR", "corruption": "VARCHAR",
            "fine_vnd": "VARCHAR", "court_fee_vnd": "VARCHAR", "compensation_vnd": "VARCHAR",
            "judgment_date": "VARCHAR", "arrest_date": "VARCHAR"
        }') as payload_fields
    from source

),

renamed as (

    select
        ---------- ids
        event_id,
        person_id,
        payload_fields['case_id'] as case_id,
        payload_fields['court_id'] as court_id,

        ---------- sentence
        payload_fields['offences'] as offences,
        cast(payload_fields['term_months'] as integer) as term_months,
        coalesce(cast(payload_fields['life'] as boolean), false) as is_life,
        coalesce(cast(payload_fields['corruption'] as boolean), false) as is_corruption,

        ---------- amounts
        cast(payload_fields['fine_vnd'] as bigint) as fine_vnd,
        cast(payload_fields['court_fee_vnd'] as bigint) as court_fee_vnd,
        cast(payload_fields['compensation_vnd'] as bigint) as compensation_vnd,

        ---------- dates
        cast(payload_fields['judgment_date'] as date) as judgment_date,
        cast(payload_fields['arrest_date'] as date) as arrest_date,
        occurred_at,
        recorded_at,

        ---------- lineage
        kafka_topic,
        kafka_partition,
        kafka_offset

    from parsed

)

select * from renamed
