with

source as (

    {{ delivered_events('facility_events', 'person.admitted') }}

),

-- the payload parsed once into its fields (macros/staged_events.sql): one `->>` a field
-- parses it once a field
parsed as (

    select
        *,
        from_json(payload, '{
            "facility_id": "VARCHAR", "date": "VARCHAR", "birth_date": "VARCHAR",
            "sex": "VARCHAR", "nationality": "VARCHAR", "residence_province": "VARCHAR",
            "prior_convictions": "VARCHAR", "dangerous_recidivist": "VARCHAR"
        }') as payload_fields
    from source

),

renamed as (

    select
        event_id,
        person_id,
        payload_fields['facility_id'] as facility_id,
        cast(payload_fields['date'] as date) as admission_date,
        cast(payload_fields['birth_date'] as date) as birth_date,
        payload_fields['sex'] as sex,
        payload_fields['nationality'] as nationality,
        payload_fields['residence_province'] as residence_province,
        cast(payload_fields['prior_convictions'] as integer) as prior_convictions,
        cast(payload_fields['dangerous_recidivist'] as boolean) as is_dangerous_recidivist,
        occurred_at,
        recorded_at,
        kafka_topic,
        kafka_partition,
        kafka_offset
    from parsed

)

select * from renamed
