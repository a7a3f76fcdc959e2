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
        and event_type = 'behaviour.graded'
        and cast(recorded_at as date) <= (select max(as_of_date) from "warehouse"."main"."stg_run__as_of_dates")


),

renamed as (

    select
        ---------- ids
        event_id,
        person_id,

        ---------- attributes
        payload ->> '$.period' as period,
        payload ->> '$.grade' as grade,

        ---------- dates
        cast(left(payload ->> '$.period', 4) as integer) as period_year,
        cast(right(payload ->> '$.period', 1) as integer) as period_quarter,
        make_date(
            cast(left(payload ->> '$.period', 4) as integer),
            cast(right(payload ->> '$.period', 1) as integer) * 3 - 2,
            1
        ) as period_start_date,
        cast(occurred_at as date) as graded_date,
        occurred_at,
        recorded_at,

        ---------- lineage
        kafka_topic,
        kafka_partition,
        kafka_offset

    from source

)

select * from renamed