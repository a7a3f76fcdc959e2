
  
  create view "warehouse"."main"."stg_court__prosecutions__dbt_tmp" as (
    with

prosecutions_opened as (

    
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
        and event_type = 'prosecution.opened'
        and cast(recorded_at as date) <= (select max(as_of_date) from "warehouse"."main"."stg_run__as_of_dates")


),

prosecutions_closed as (

    
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
        and event_type = 'prosecution.closed'
        and cast(recorded_at as date) <= (select max(as_of_date) from "warehouse"."main"."stg_run__as_of_dates")


),

unioned as (

    select
        'opened' as prosecution_event,
        *
    from prosecutions_opened
    union all
    select
        'closed' as prosecution_event,
        *
    from prosecutions_closed

),

renamed as (

    select
        ---------- ids
        event_id,
        person_id,
        payload ->> '$.case_id' as case_id,

        ---------- prosecution
        prosecution_event,

        ---------- dates
        cast(payload ->> '$.date' as date) as prosecution_date,
        occurred_at,
        recorded_at,

        ---------- lineage
        kafka_topic,
        kafka_partition,
        kafka_offset

    from unioned

)

select * from renamed
  );
