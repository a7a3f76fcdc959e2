{{ config(location=var('lake') ~ '/curated/amnesty_eligibility.parquet') }}

-- The decision per person and round: status and met/unmet lists from the criterion
-- catalogue (macro decide, seeds/rules/criteria.csv), and the figures behind each criterion.
with

keys as (

    select * from {{ ref('int_person_keys') }}

),

criteria as (

    select * from {{ ref('int_amnesty_criteria') }}

),

decisions as (

    {{ decide('criteria', 'amnesty', ['person_id', 'round_id']) }}

),

channels as (

    select * from {{ ref('int_amnesty_review_channels') }}

),

final as (

    select
        keys.person_key,
        'amnesty' as program,
        criteria.round_id,
        {{ as_of_date() }} as as_of_date,
        criteria.evaluation_date,
        decisions.status,
        decisions.met_criteria,
        decisions.unmet_criteria,
        decisions.unjudgeable_criteria,
        criteria.facility_id,
        criteria.agency,
        criteria.province,
        channels.review_channel,
        channels.court_id,
        channels.court_province,
        criteria.nationality,
        criteria.special_categories,
        criteria.time_rule,
        cast(criteria.served_days as integer) as served_days,
        criteria.required_served_days,
        criteria.served_months,
        criteria.required_served_months,
        cast(criteria.not_served_days as integer) as not_served_days,
        criteria.imposed_term_months,
        criteria.effective_term_months,
        criteria.is_life_reduced_to_term,
        criteria.is_suspended,
        cast(criteria.consecutive_good_quarters as integer) as consecutive_good_quarters,
        criteria.quarters_required,
        criteria.behaviour_band,
        criteria.last_required_period,
        criteria.required_period_grade,
        criteria.latest_period,
        criteria.conduct_window_start,
        criteria.window_sanction_date,
        criteria.window_sanction_severity,
        criteria.fines_and_fees_paid,
        criteria.compensation_paid_in_full,
        criteria.has_hardship,
        criteria.is_corruption,
        criteria.fines_and_fees_settled,
        criteria.compensation_settled,
        criteria.fine_discharged,
        criteria.court_fee_discharged,
        criteria.compensation_discharged,
        criteria.discharge_reasons,
        criteria.articles,
        criteria.has_pending_review,
        criteria.has_barring_review,
        criteria.pending_review_direction,
        criteria.has_open_prosecution,
        criteria.earlier_amnesties,
        criteria.prior_convictions,
        criteria.max_prior_convictions,
        criteria.term_end_date,
        criteria.remaining_months,
        criteria.remaining_term_cap_months,
        criteria.drug_remaining_cap_months,
        criteria.drug_band_rule,
        criteria.round_excluded_offences,
        criteria.repeat_offending,
        cast(criteria.intentional_offences as integer) as intentional_offences,
        criteria.rule_version,
        criteria.sentence_event_id,
        criteria.admission_event_id
    from criteria
    inner join decisions using (person_id, round_id)
    left join keys on keys.person_id = criteria.person_id
    left join channels using (person_id, round_id)

)

select * from final
order by round_id, agency, province, facility_id, person_key
