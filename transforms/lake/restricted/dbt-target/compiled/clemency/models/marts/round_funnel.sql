

-- Counts per round by agency, province, facility, status and reason: the numbers the
-- monitoring report is built from. A person with several unmet criteria is counted once
-- per reason (reason = 'all' gives head counts).
with

decisions as (

    select * from "warehouse"."main"."amnesty_eligibility"

),

per_reason as (

    select
        round_id,
        agency,
        province,
        facility_id,
        status,
        unnest(case when len(unmet_criteria) = 0 then ['none'] else unmet_criteria end)
            as reason
    from decisions

),

heads as (

    select
        round_id,
        agency,
        province,
        facility_id,
        status,
        'all' as reason,
        count(*) as people
    from decisions
    group by all

),

reasons as (

    select
        round_id,
        agency,
        province,
        facility_id,
        status,
        reason,
        count(*) as people
    from per_reason
    group by all

),

unioned as (

    select * from heads
    union all
    select * from reasons

)

select
    *,
    (select max(as_of_date) from "warehouse"."main"."stg_run__as_of_dates") as as_of_date
from unioned
order by round_id, agency, province, facility_id, status, reason