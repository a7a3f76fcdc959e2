-- The sentence each person is serving at each evaluation date: the latest sentence
-- imposed by then, with amendments, reductions (months, or life reduced to a term) and a
-- quashing applied as they stood on that date. Reductions shorten the term; they never
-- count as time served (int_time_served works from the arrest date).
with

points as (

    select distinct evaluation_date from {{ ref('int_evaluation_points') }}

),

imposed as (

    select * from {{ ref('stg_court__sentences_imposed') }}

),

amendments as (

    select * from {{ ref('stg_court__sentence_amendments') }}

),

reductions as (

    select * from {{ ref('stg_court__sentence_reductions') }}

),

quashings as (

    select * from {{ ref('stg_court__sentences_quashed') }}

),

sentence_at_point as (

    select
        imposed.*,
        points.evaluation_date
    from imposed
    inner join points
        on imposed.judgment_date <= points.evaluation_date
        and {{ recomputed('imposed.person_id', 'points.evaluation_date') }}
    qualify row_number() over (
        partition by imposed.person_id, points.evaluation_date
        order by imposed.judgment_date desc, imposed.recorded_at desc, imposed.event_id desc
    ) = 1

),

-- Each amended field takes the value of the latest amendment that set it.
amended_at_point as (

    select
        sentence_at_point.person_id,
        sentence_at_point.evaluation_date,
        arg_max(amendments.term_months, amendments.decision_date) filter (
            where amendments.term_months is not null
        ) as term_months,
        arg_max(amendments.is_life, amendments.decision_date) filter (
            where amendments.is_life is not null
        ) as is_life,
        arg_max(amendments.offences, amendments.decision_date) filter (
            where amendments.offences is not null
        ) as offences,
        arg_max(amendments.fine_vnd, amendments.decision_date) filter (
            where amendments.fine_vnd is not null
        ) as fine_vnd,
        arg_max(amendments.court_fee_vnd, amendments.decision_date) filter (
            where amendments.court_fee_vnd is not null
        ) as court_fee_vnd,
        arg_max(amendments.compensation_vnd, amendments.decision_date) filter (
            where amendments.compensation_vnd is not null
        ) as compensation_vnd,
        arg_max(amendments.is_corruption, amendments.decision_date) filter (
            where amendments.is_corruption is not null
        ) as is_corruption
    from sentence_at_point
    inner join amendments
        on amendments.case_id = sentence_at_point.case_id
        and amendments.person_id = sentence_at_point.person_id
        and amendments.decision_date <= sentence_at_point.evaluation_date
    group by all

),

reduced_at_point as (

    select
        sentence_at_point.person_id,
        sentence_at_point.evaluation_date,
        count(*) as reduction_count,
        max(reductions.life_to_term_months) as life_to_term_months,
        min(reductions.decision_date) filter (
            where reductions.life_to_term_months is not null
        ) as life_reduced_date,
        -- month reductions granted after a life sentence became a term shorten that term
        cast(coalesce(sum(reductions.reduction_months), 0) as integer) as reduction_months,
        max(reductions.decision_date) as last_reduction_date
    from sentence_at_point
    inner join reductions
        on reductions.case_id = sentence_at_point.case_id
        and reductions.person_id = sentence_at_point.person_id
        and reductions.decision_date <= sentence_at_point.evaluation_date
    group by all

),

quashed_at_point as (

    select
        sentence_at_point.person_id,
        sentence_at_point.evaluation_date,
        min(quashings.quashed_date) as quashed_date
    from sentence_at_point
    inner join quashings
        on quashings.case_id = sentence_at_point.case_id
        and quashings.person_id = sentence_at_point.person_id
        and quashings.quashed_date <= sentence_at_point.evaluation_date
    group by all

),

combined as (

    select
        s.person_id,
        s.evaluation_date,
        s.case_id,
        s.event_id as sentence_event_id,
        s.arrest_date,
        s.judgment_date,
        coalesce(a.offences, s.offences) as offences,
        -- an amendment that sets a term without saying "life" turns a life sentence into it
        coalesce(a.is_life, a.term_months is null and s.is_life, s.is_life) as is_life_imposed,
        coalesce(a.term_months, s.term_months) as imposed_term_months,
        r.life_to_term_months,
        r.life_reduced_date,
        coalesce(r.reduction_months, 0) as reduction_months,
        coalesce(r.reduction_count, 0) as reduction_count,
        r.last_reduction_date,
        coalesce(a.fine_vnd, s.fine_vnd) as fine_vnd,
        coalesce(a.court_fee_vnd, s.court_fee_vnd) as court_fee_vnd,
        coalesce(a.compensation_vnd, s.compensation_vnd) as compensation_vnd,
        coalesce(a.is_corruption, s.is_corruption) as is_corruption,
        q.quashed_date
    from sentence_at_point as s
    left join amended_at_point as a using (person_id, evaluation_date)
    left join reduced_at_point as r using (person_id, evaluation_date)
    left join quashed_at_point as q using (person_id, evaluation_date)

),

state as (

    select
        *,
        is_life_imposed and life_to_term_months is null as is_life,
        is_life_imposed and life_to_term_months is not null as is_life_reduced_to_term,
        reduction_count > 0 as is_reduced,
        quashed_date is not null as is_quashed,
        -- the term being served now, in months; null while the sentence is still life
        case
            when is_life_imposed and life_to_term_months is null then null
            when is_life_imposed then life_to_term_months - reduction_months
            else imposed_term_months - reduction_months
        end as effective_term_months,
        -- the term the court imposed, which sets the bands of the rules (life as a term)
        case
            when is_life_imposed then coalesce(life_to_term_months, 999)
            else imposed_term_months
        end as banding_term_months
    from combined

)

select * from state
