with

source as (

    {{ delivered_events('facility_events', 'behaviour.graded') }}

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
