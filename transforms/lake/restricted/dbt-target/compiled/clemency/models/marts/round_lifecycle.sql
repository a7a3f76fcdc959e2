

-- People proposed, granted and released per round, review channel, court, agency,
-- nationality and dates: the lifecycle the round report prints. A proposal is late when
-- dated after the round's facility-list deadline (amnesty_round_calendar).
with

lifecycle as (

    select * from "warehouse"."main"."int_amnesty_round_lifecycle"

),

calendar as (

    select * from "warehouse"."main"."amnesty_round_calendar"

),

timed as (

    select
        lifecycle.*,
        case
            when lifecycle.proposed_date is null then 'none'
            when lifecycle.proposed_date > calendar.facility_lists_by then 'late'
            else 'on_time'
        end as proposal_timing
    from lifecycle
    left join calendar on calendar.round_id = lifecycle.round_id

),

counted as (

    select
        round_id,
        review_channel,
        court_id,
        court_province,
        agency,
        nationality,
        is_proposed,
        is_granted,
        is_released,
        proposal_timing,
        proposed_date,
        effective_date,
        grant_decision_no,
        released_date,
        unattributed_reason,
        count(*) as people
    from timed
    group by all

)

select
    *,
    (select max(as_of_date) from "warehouse"."main"."stg_run__as_of_dates") as as_of_date
from counted
order by all