with

source as (

    
    select
        event_id,
        person_id,
        entity_key,
        occurred_at,
        recorded_at,
        source_id,
        payload,
        kafka_topic,
        kafka_partition,
        kafka_offset
    from "warehouse"."main"."stg_raw__facility_deliveries"
    where is_first_delivery
        and event_type = 'person.admitted'
        and cast(recorded_at as date) <= (select max(as_of_date) from "warehouse"."main"."stg_run__as_of_dates")


),

renamed as (

    select
        event_id,
        person_id,
        payload ->> '$.facility_id' as facility_id,
        cast(payload ->> '$.date' as date) as admission_date,
        cast(payload ->> '$.birth_date' as date) as birth_date,
        payload ->> '$.sex' as sex,
        payload ->> '$.nationality' as nationality,
        payload ->> '$.residence_province' as residence_province,
        cast(payload ->> '$.prior_convictions' as integer) as prior_convictions,
        cast(payload ->> '$.dangerous_recidivist' as boolean) as is_dangerous_recidivist,
        occurred_at,
        recorded_at,
        kafka_topic,
        kafka_partition,
        kafka_offset
    from source

)

select * from renamed