

-- The facilities as registered by the as-of date (a re-registration replaces the earlier
-- record), with their work sites: the names, agencies and provinces the reports label with.
with

facilities as (

    select * from "warehouse"."main"."stg_reference__facilities"

),

sites as (

    select * from "warehouse"."main"."stg_reference__work_sites"

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
    (select max(as_of_date) from "warehouse"."main"."stg_run__as_of_dates") as as_of_date
from final
order by facility_id