-- What the work-release rules look at, for every person in custody at the as-of date
-- while the pilot runs. The rules themselves are applied in int_work_release_criteria.
with

points as (

    select * from {{ ref('int_evaluation_points') }}
    where program = 'work_release'

),

state as (

    select * from {{ ref('int_state_at_evaluation') }}

),

work_sites as (

    select * from {{ ref('stg_reference__work_sites') }}

),

nearest_site as (

    select
        facility_id,
        min(distance_km) as nearest_site_km
    from work_sites
    group by all

),

facts as (

    select
        points.scope_id as policy_id,
        points.rule_version,
        points.evaluation_date,
        state.person_id,
        state.facility_id,
        state.agency,
        state.province,
        state.facility_kind,
        state.birth_date,
        state.nationality,
        state.residence_province,
        state.prior_convictions,
        state.is_dangerous_recidivist,
        state.admission_event_id,
        state.sentence_event_id,
        state.is_life_imposed,
        state.is_life,
        state.is_life_reduced_to_term,
        state.is_reduced,
        state.imposed_term_months,
        state.effective_term_months,
        state.banding_term_months,
        state.arrest_date,
        state.served_days,
        state.served_months,
        state.suspended_days,
        coalesce(state.consecutive_good_months, 0) as consecutive_good_months,
        state.latest_grade,
        state.escape_count,
        state.has_infectious_group_a,
        state.is_fit_for_labour,
        state.is_placed_on_work_release,
        state.work_release_site_id,
        nearest_site.nearest_site_km
    from points
    inner join state on state.evaluation_date = points.evaluation_date
    left join nearest_site on nearest_site.facility_id = state.facility_id
    where state.is_in_custody and not state.is_quashed

)

select * from facts
