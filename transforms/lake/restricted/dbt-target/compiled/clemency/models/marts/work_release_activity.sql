

-- Work-release placements and returns per site, its facility (the site's registrant), year
-- of the movement date, movement and return reason (reason = 'all' gives head counts, as
-- in round_funnel): distinct people and events.
with

movements as (

    select * from "warehouse"."main"."stg_facility__work_release_movements"

),

sites as (

    select * from "warehouse"."main"."stg_reference__work_sites"

),

located as (

    select
        movements.person_id,
        movements.site_id,
        sites.facility_id,
        movements.movement,
        case
            when movements.movement = 'returned'
                then coalesce(movements.return_reason, 'unknown')
        end as return_reason,
        year(movements.movement_date) as movement_year
    from movements
    left join sites on sites.site_id = movements.site_id

),

heads as (

    -- reason 'all': people per site, year and movement, whatever the reason
    select
        site_id,
        facility_id,
        movement_year,
        movement,
        'all' as return_reason,
        count(distinct person_id) as people,
        count(*) as events
    from located
    group by all

),

per_reason as (

    select
        site_id,
        facility_id,
        movement_year,
        movement,
        return_reason,
        count(distinct person_id) as people,
        count(*) as events
    from located
    where movement = 'returned'
    group by all

),

unioned as (

    select * from heads
    union all
    select * from per_reason

)

select
    *,
    (select max(as_of_date) from "warehouse"."main"."stg_run__as_of_dates") as as_of_date
from unioned
order by all