-- Every record landed in the raw lake, of every topic and event type, duplicates included
-- (what ingest wrote, not what the decisions count): the data-quality annex's events per
-- topic and day. Point in time as in every staging model (macro staged_events): recorded on
-- or before the as-of date, a Vietnam day (the profile's session TimeZone).
with

facility_events as (

    select * from {{ source('raw', 'facility_events') }}

),

court_events as (

    select * from {{ source('raw', 'court_events') }}

),

reference_events as (

    select * from {{ source('raw', 'reference_events') }}

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
    where cast(recorded_at as date) <= {{ as_of_date() }}

)

select * from renamed
