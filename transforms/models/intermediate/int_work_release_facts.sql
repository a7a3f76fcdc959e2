-- What the work-release rules look at, for every person in custody at the as-of date
-- while the pilot runs. The rules themselves are applied in int_work_release_criteria.
with

points as (

    select * from {{ ref('int_evaluation_points') }} where program = 'work_release'

),

people as (select * from {{ ref('int_people') }}),
custody as (select * from {{ ref('int_custody_at_evaluation') }}),
sentences as (select * from {{ ref('int_sentences_at_evaluation') }}),
served as (select * from {{ ref('int_time_served') }}),
behaviour as (select * from {{ ref('int_behaviour_at_evaluation') }}),
history as (select * from {{ ref('int_person_history_at_evaluation') }}),
work_sites as (select * from {{ ref('stg_reference__work_sites') }}),

nearest_site as (

    select facility_id, min(distance_km) as nearest_site_km
    from work_sites
    group by all

),

facts as (

    select
        points.scope_id as policy_id,
        points.rule_version,
        points.evaluation_date,
        custody.person_id,
        custody.facility_id,
        custody.agency,
        custody.province,
        custody.facility_kind,
        people.birth_date,
        people.nationality,
        people.residence_province,
        people.prior_convictions,
        people.is_dangerous_recidivist,
        people.admission_event_id,
        sentences.sentence_event_id,
        sentences.is_life_imposed,
        sentences.is_life,
        sentences.is_life_reduced_to_term,
        sentences.is_reduced,
        sentences.imposed_term_months,
        sentences.effective_term_months,
        sentences.banding_term_months,
        sentences.arrest_date,
        served.served_days,
        served.served_months,
        served.suspended_days,
        coalesce(behaviour.consecutive_good_months, 0) as consecutive_good_months,
        behaviour.latest_grade,
        history.escape_count,
        history.has_infectious_group_a,
        history.is_fit_for_labour,
        history.is_placed_on_work_release,
        history.work_release_site_id,
        nearest_site.nearest_site_km
    from points
    inner join custody on custody.evaluation_date = points.evaluation_date
    inner join people using (person_id)
    inner join sentences
        on sentences.person_id = custody.person_id
        and sentences.evaluation_date = points.evaluation_date
    inner join served
        on served.person_id = custody.person_id
        and served.evaluation_date = points.evaluation_date
    left join behaviour
        on behaviour.person_id = custody.person_id
        and behaviour.evaluation_date = points.evaluation_date
    inner join history
        on history.person_id = custody.person_id
        and history.evaluation_date = points.evaluation_date
    left join nearest_site on nearest_site.facility_id = custody.facility_id
    where custody.is_in_custody and not sentences.is_quashed

)

select * from facts
