
  
  create view "warehouse"."main"."stg_raw__landed_events__dbt_tmp" as (
    -- Every record landed in the raw lake, of every topic and event type, duplicates included
-- (what ingest wrote, not what the decisions count): the data-quality annex's events per
-- topic and day. Point in time as in every staging model (macro staged_events): recorded on
-- or before the as-of date, a Vietnam day (the profile's session TimeZone).
with

facility_events as (

    select * from read_parquet('/work/main/lake/raw/facility.events/*/*.parquet', union_by_name = true, filename = true)

),

court_events as (

    select * from read_parquet('/work/main/lake/raw/court.events/*/*.parquet', union_by_name = true, filename = true)

),

reference_events as (

    select * from read_parquet('/work/main/lake/raw/reference.events/*/*.parquet', union_by_name = true, filename = true)

),

unioned as (

    select
        kafka_topic,
        event_type,
        recorded_at
    from facility_events
    union all
    select
        kafka_topic,
        event_type,
        recorded_at
    from court_events
    union all
    select
        kafka_topic,
        event_type,
        recorded_at
    from reference_events

),

renamed as (

    select
        kafka_topic,
        event_type,
        recorded_at,
        cast(recorded_at as date) as recorded_date
    from unioned
    where cast(recorded_at as date) <= (select max(as_of_date) from "warehouse"."main"."stg_run__as_of_dates")

)

select * from renamed
  );
