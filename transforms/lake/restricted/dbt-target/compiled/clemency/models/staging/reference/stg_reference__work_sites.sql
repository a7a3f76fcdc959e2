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
    from "warehouse"."main"."stg_raw__reference_deliveries"
    where is_first_delivery
        and event_type = 'facility.registered'
        and cast(recorded_at as date) <= (select max(as_of_date) from "warehouse"."main"."stg_run__as_of_dates")


),

latest as (

    -- a facility re-registered later replaces its earlier record, work sites included
    select * from source
    qualify row_number() over (
        partition by entity_key order by recorded_at desc, event_id desc
    ) = 1

),

unnested as (

    select
        latest.entity_key,
        -- sqlfluff takes the struct field access work_site.<field> for a table (so noqa)
        work_site.site_id,  -- noqa: RF01
        work_site.distance_km  -- noqa: RF01
    from latest
    cross join unnest(
        from_json(
            latest.payload -> '$.work_sites',
            '[{"site_id":"VARCHAR","distance_km":"DOUBLE"}]'
        )
    ) as sites (work_site)

),

renamed as (

    select
        entity_key as facility_id,
        site_id,
        cast(distance_km as double) as distance_km
    from unnested

)

select * from renamed