{{ config(location=var('lake') ~ '/curated/facility_registry.parquet') }}

-- The facilities as registered by the as-of date (a re-registration replaces the earlier
-- record), with their work sites: the names, agencies and provinces the reports label with.
with

facilities as (

    select * from {{ ref('stg_reference__facilities') }}

),

sites as (

    select * from {{ ref('stg_reference__work_sites') }}

),

site_lists as (

    select
        facility_id,
        list({ 'site_id': site_id, 'distance_km': distance_km } order by site_id) as work_sites
    from sites
    group by facility_id

),

final as (

    select
        facilities.facility_id,
        facilities.facility_name,
        facilities.facility_kind,
        facilities.agency,
        facilities.province,
        facilities.capacity,
        coalesce(site_lists.work_sites, []) as work_sites
    from facilities
    left join site_lists on site_lists.facility_id = facilities.facility_id

)

select
    *,
    {{ as_of_date() }} as as_of_date
from final
order by facility_id
