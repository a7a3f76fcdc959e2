{{ config(location=var('lake') ~ '/curated/work_release_eligibility.parquet') }}

-- The work-release decision per person at the as-of date: status and met/unmet lists from
-- the criterion catalogue (macro decide, seeds/rules/criteria.csv), and the figures.
with

keys as (

    select * from {{ ref('int_person_keys') }}

),

criteria as (

    select * from {{ ref('int_work_release_criteria') }}

),

decisions as (

    {{ decide('criteria', 'work_release', ['person_id', 'policy_id']) }}

),

final as (

    select
        keys.person_key,
        'work_release' as program,
        criteria.policy_id,
        {{ as_of_date() }} as as_of_date,
        criteria.evaluation_date,
        decisions.status,
        decisions.met_criteria,
        decisions.unmet_criteria,
        decisions.unjudgeable_criteria,
        criteria.facility_id,
        criteria.agency,
        criteria.province,
        criteria.facility_kind,
        criteria.policy_agency,
        criteria.policy_facility_kind,
        criteria.band,
        criteria.imposed_term_months,
        criteria.effective_term_months,
        criteria.is_reduced,
        criteria.requires_reduction,
        criteria.term_end_date,
        criteria.remaining_months,
        criteria.max_remaining_months,
        cast(criteria.served_days as integer) as served_days,
        criteria.required_served_days,
        criteria.served_months,
        cast(criteria.not_served_days as integer) as not_served_days,
        cast(criteria.consecutive_good_months as integer) as consecutive_good_months,
        criteria.required_good_months,
        criteria.latest_grade,
        criteria.latest_period,
        criteria.last_required_period,
        criteria.conduct_window_start,
        criteria.window_sanction_date,
        criteria.window_sanction_severity,
        criteria.age_years,
        criteria.min_age_years,
        criteria.max_age_years_exclusive,
        criteria.nationality,
        criteria.required_nationality,
        criteria.prior_convictions,
        criteria.max_prior_convictions,
        criteria.is_dangerous_recidivist,
        criteria.is_organiser,
        criteria.organiser_seriousness,
        criteria.organiser_articles,
        criteria.excluded_offences,
        criteria.has_infectious_group_a,
        criteria.is_fit_for_labour,
        cast(criteria.escape_count as integer) as escape_count,
        criteria.has_known_residence,
        criteria.nearest_site_km,
        criteria.max_site_distance_km,
        criteria.is_placed_on_work_release,
        criteria.work_release_site_id,
        criteria.rule_version,
        criteria.sentence_event_id,
        criteria.admission_event_id
    from criteria
    inner join decisions using (person_id, policy_id)
    left join keys on keys.person_id = criteria.person_id

)

select * from final
order by agency, province, facility_id, person_key
