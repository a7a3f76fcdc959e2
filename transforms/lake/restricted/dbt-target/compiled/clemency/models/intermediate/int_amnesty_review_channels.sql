-- Who reviews each candidate of each round (Decision 1244/2025/QĐ-CTN; seeds/rules/
-- amnesty_review_channels.csv): the courts for a person on temporary suspension of serving
-- at the cutoff, else the channel of the agency of the facility holding them. A suspended
-- person's court is the court of the suspended case's sentence (of the person's sentence
-- when the case has none on record).
with

candidates as (

    select * from "warehouse"."main"."int_amnesty_criteria"

),

channels as (

    select * from "warehouse"."main"."amnesty_review_channels"

),

suspensions as (

    select * from "warehouse"."main"."int_suspension_spans"

),

sentences as (

    select * from "warehouse"."main"."stg_court__sentences_imposed"

),

courts as (

    select * from "warehouse"."main"."courts"

),

suspended_case as (

    -- the suspension in force at the cutoff (the latest one started, should two overlap)
    select
        candidates.person_id,
        candidates.round_id,
        suspensions.case_id
    from candidates
    inner join suspensions
        on suspensions.person_id = candidates.person_id
        and suspensions.start_date <= candidates.evaluation_date
        and (suspensions.end_date is null or suspensions.end_date > candidates.evaluation_date)
    qualify row_number() over (
        partition by candidates.person_id, candidates.round_id
        order by suspensions.start_date desc, suspensions.event_id desc
    ) = 1

),

case_court as (

    select
        case_id,
        person_id,
        min(court_id) as court_id
    from sentences
    group by case_id, person_id

),

assigned as (

    select
        candidates.person_id,
        candidates.round_id,
        coalesce(candidates.is_suspended, false) as is_suspended,
        case
            when coalesce(candidates.is_suspended, false)
                then coalesce(case_court.court_id, own_sentence.court_id)
        end as court_id,
        candidates.agency
    from candidates
    left join suspended_case
        on suspended_case.person_id = candidates.person_id
        and suspended_case.round_id = candidates.round_id
    left join case_court
        on case_court.case_id = suspended_case.case_id
        and case_court.person_id = candidates.person_id
    left join sentences as own_sentence
        on own_sentence.event_id = candidates.sentence_event_id

),

final as (

    select
        assigned.person_id,
        assigned.round_id,
        channels.review_channel,
        assigned.court_id,
        courts.province as court_province
    from assigned
    left join channels
        on (
            assigned.is_suspended
            and channels.reviews = 'temporary_suspension'
        )
        or (
            not assigned.is_suspended
            and channels.reviews = 'facility_agency'
            and channels.agency = assigned.agency
        )
    left join courts
        on courts.court_id = assigned.court_id

)

select * from final