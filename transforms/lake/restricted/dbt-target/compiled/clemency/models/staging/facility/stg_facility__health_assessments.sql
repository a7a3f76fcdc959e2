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
        and event_type = 'health.assessed'
        and cast(recorded_at as date) <= (select max(as_of_date) from "warehouse"."main"."stg_run__as_of_dates")


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