with

source as (

    select * from {{ source('raw', 'facility_events') }}
    where event_type = 'person.admitted'
        and cast(recorded_at as date) <= cast('{{ var("as_of") }}' as date)

),

deduplicated as (

    -- raw keeps every delivery; a repeated event_id is the same event
    select * from source
    qualify row_number() over (
        partition by event_id order by kafka_topic, kafka_partition, kafka_offset
    ) = 1

),

renamed as (

    select
        event_id,
        person_id,
        payload ->> '$.facility_id' as facility_id,
        cast(payload ->> '$.date' as date) as admission_date,
        cast(payload ->> '$.birth_date' as date) as birth_date,
        payload ->> '$.sex' as sex,
        payload ->> '$.nationality' as nationality,
        cast(payload ->> '$.prior_convictions' as integer) as prior_convictions,
        recorded_at
    from deduplicated

)

select * from renamed
