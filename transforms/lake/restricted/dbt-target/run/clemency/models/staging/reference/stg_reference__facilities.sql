
  
  create view "warehouse"."main"."stg_reference__facilities__dbt_tmp" as (
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

    -- a facility re-registered later replaces its earlier record
    select * from source
    qualify row_number() over (
        partition by entity_key order by recorded_at desc, event_id desc
    ) = 1

),

renamed as (

    select
        entity_key as facility_id,
        payload ->> '$.name' as facility_name,
        payload ->> '$.kind' as facility_kind,
        payload ->> '$.agency' as agency,
        payload ->> '$.province' as province,
        cast(payload ->> '$.capacity' as integer) as capacity,
        cast(json_array_length(coalesce(payload -> '$.work_sites', '[]')) as integer)
            as work_site_count,
        recorded_at
    from latest

)

select * from renamed
  );
