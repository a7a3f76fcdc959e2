with

placements as (

    
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
        and event_type = 'work_release.placed'
        and cast(recorded_at as date) <= (select max(as_of_date) from "warehouse"."main"."stg_run__as_of_dates")


),

returns as (

    
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
        and event_type = 'work_release.returned'
        and cast(recorded_at as date) <= (select max(as_of_date) from "warehouse"."main"."stg_run__as_of_dates")


),

unioned as (

    select
        'placed' as movement,
        *
    from placements
    union all
    select
        'returned' as movement,
        *
    from returns

),

renamed as (

    select
        ---------- ids
        event_id,
        person_id,
        payload ->> '$.site_id' as site_id,

        ---------- movement
        movement,
        payload ->> '$.reason' as return_reason,

        ---------- dates
        cast(payload ->> '$.date' as date) as movement_date,
        occurred_at,
        recorded_at,

        ---------- lineage
        kafka_topic,
        kafka_partition,
        kafka_offset

    from unioned

)

select * from renamed