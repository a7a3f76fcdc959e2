
    

    create  table
      "warehouse"."main"."int_amnesty_round_lifecycle__dbt_tmp"
  
    
    as (
      -- Every person proposed or granted in an amnesty round, with their first proposal, the
-- grant, the amnesty release that followed it, and the review channel that answers for
-- them (the channel of their decision in the round). A grant or proposal of someone the
-- round has no decision for cannot be given a channel: unattributed_reason says why.
with

proposals as (

    select * from "warehouse"."main"."stg_facility__amnesty_proposals"

),

grants as (

    select * from "warehouse"."main"."stg_court__amnesty_grants"

),

releases as (

    select * from "warehouse"."main"."stg_facility__releases"

),

candidates as (

    select * from "warehouse"."main"."int_amnesty_criteria"

),

channels as (

    select * from "warehouse"."main"."int_amnesty_review_channels"

),

people as (

    select * from "warehouse"."main"."int_people"

),

proposed as (

    select
        person_id,
        round_id,
        min(proposed_date) as proposed_date
    from proposals
    group by person_id, round_id

),

granted as (

    select
        person_id,
        round_id,
        min(effective_date) as effective_date,
        min(decision_no) as grant_decision_no
    from grants
    group by person_id, round_id

),

released as (

    -- the amnesty release on or after the grant took effect
    select
        granted.person_id,
        granted.round_id,
        min(releases.release_date) as released_date
    from granted
    inner join releases
        on releases.person_id = granted.person_id
        and releases.release_reason = 'amnesty'
        and releases.release_date >= granted.effective_date
    group by granted.person_id, granted.round_id

),

involved as (

    select
        person_id,
        round_id
    from proposed
    union
    select
        person_id,
        round_id
    from granted

),

lifecycle as (

    select
        involved.person_id,
        involved.round_id,
        channels.review_channel,
        channels.court_id,
        channels.court_province,
        candidates.facility_id,
        candidates.agency,
        people.nationality,
        proposed.proposed_date,
        granted.effective_date,
        granted.grant_decision_no,
        released.released_date,
        proposed.person_id is not null as is_proposed,
        granted.person_id is not null as is_granted,
        released.person_id is not null as is_released,
        case
            when candidates.person_id is null then 'not_considered'
            when channels.review_channel is null then 'unknown_agency'
        end as unattributed_reason
    from involved
    left join proposed using (person_id, round_id)
    left join granted using (person_id, round_id)
    left join released using (person_id, round_id)
    left join candidates using (person_id, round_id)
    left join channels using (person_id, round_id)
    left join people using (person_id)

)

select * from lifecycle
    );
    
  