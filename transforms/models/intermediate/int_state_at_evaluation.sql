-- Each person as they stood at each evaluation date: custody and facility, who they are,
-- the sentence in force, time served, behaviour and their record. The one join of the
-- person state; the facts models and person_status read it instead of repeating it.
-- A person admitted without a recorded sentence has null sentence columns.
with

custody as (

    select * from {{ ref('int_custody_at_evaluation') }}
    where {{ recomputed('person_id', 'evaluation_date') }}

),

people as (

    select * from {{ ref('int_people') }}

),

sentences as (

    select * from {{ ref('int_sentences_at_evaluation') }}

),

served as (

    select * from {{ ref('int_time_served') }}

),

behaviour as (

    select * from {{ ref('int_behaviour_at_evaluation') }}

),

history as (

    select * from {{ ref('int_person_history_at_evaluation') }}

),

state as (

    select
        custody.person_id,
        custody.evaluation_date,
        custody.facility_id,
        custody.agency,
        custody.province,
        custody.facility_kind,
        custody.admission_date,
        custody.release_date,
        custody.release_reason,
        custody.is_in_custody,
        people.birth_date,
        people.sex,
        people.nationality,
        people.residence_province,
        people.prior_convictions,
        people.is_dangerous_recidivist,
        people.admission_event_id,
        sentences.case_id,
        sentences.sentence_event_id,
        sentences.arrest_date,
        sentences.is_life_imposed,
        sentences.is_life,
        sentences.is_life_reduced_to_term,
        sentences.is_reduced,
        sentences.is_quashed,
        sentences.imposed_term_months,
        sentences.life_to_term_months,
        sentences.effective_term_months,
        sentences.banding_term_months,
        sentences.reduction_months,
        served.served_days,
        served.served_months,
        served.suspended_days,
        served.is_suspended,
        served.bail_days,
        served.postponed_days,
        served.not_served_days,
        behaviour.consecutive_good_quarters,
        behaviour.consecutive_good_months,
        behaviour.latest_grade,
        history.amnestied_rounds,
        history.escape_count,
        history.has_infectious_group_a,
        history.is_fit_for_labour,
        history.is_placed_on_work_release,
        history.work_release_site_id,
        history.active_special_statuses
    from custody
    inner join people using (person_id)
    left join sentences using (person_id, evaluation_date)
    left join served using (person_id, evaluation_date)
    left join behaviour using (person_id, evaluation_date)
    left join history using (person_id, evaluation_date)

)

select * from state
