with

source as (

    {{ staged_events('reference_events', 'facility.registered') }}

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
