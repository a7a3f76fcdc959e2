
  
  create view "warehouse"."main"."stg_court__postponements__dbt_tmp" as (
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
    from "warehouse"."main"."stg_raw__court_deliveries"
    where is_first_delivery
        and event_type = 'sentence.postponed'
        and cast(recorded_at as date) <= (select max(as_of_date) from "warehouse"."main"."stg_run__as_of_dates")


),

renamed as (

    select
        ---------- ids
        event_id,
        person_id,
        payload ->> '$.case_id' as case_id,

        ---------- postponement
        payload ->> '$.reason' as postponement_reason,

        ---------- dates
        cast(payload ->> '$.start_date' as date) as start_date,
        cast(payload ->> '$.end_date' as date) as end_date,
        occurred_at,
        recorded_at,

        ---------- lineage
        kafka_topic,
        kafka_partition,
        kafka_offset

    from source

)

select * from renamed
  );
