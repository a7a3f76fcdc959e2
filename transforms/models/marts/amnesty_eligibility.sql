{{ config(location=var('lake') ~ '/curated/amnesty_eligibility.parquet') }}

{% set criteria = [
    ('serving_sentence', 'meets_serving_sentence'),
    ('behaviour_grades', 'meets_behaviour_grades'),
    ('time_served', 'meets_time_served'),
    ('obligations_paid', 'meets_obligations_paid'),
    ('no_excluded_offence', 'meets_no_excluded_offence'),
    ('no_pending_review', 'meets_no_pending_review'),
    ('no_other_prosecution', 'meets_no_other_prosecution'),
    ('not_previously_amnestied', 'meets_not_previously_amnestied'),
    ('prior_convictions_limit', 'meets_prior_convictions_limit'),
] %}
{% set bars = [
    'meets_no_excluded_offence', 'meets_no_pending_review', 'meets_no_other_prosecution',
    'meets_not_previously_amnestied', 'meets_prior_convictions_limit',
] %}
{# Time-based criteria: unmet alone and met within the window makes a person almost eligible. #}
{% set time_based = {
    'time_served': 'time_served_within_window',
    'behaviour_grades': 'behaviour_within_window',
} %}

with

criteria as (

    select * from {{ ref('int_amnesty_criteria') }}

),

listed as (

    select
        *,
        list_concat(
            {{ criteria_list(criteria, true) }},
            -- sqlfluff counts the macros' `lambda c: c.code` as qualified columns (so noqa)
            case when meets_special_category then ['special_category'] else [] end  -- noqa: RF03
        ) as met_criteria,
        {{ criteria_list(criteria, false) }} as unmet_criteria
    from criteria

),

decided as (

    select
        *,
        {{ decision_status(bars, time_based) }} as status
    from listed

),

final as (

    select
        person_key(person_id) as person_key,
        'amnesty' as program,
        round_id,
        cast('{{ var("as_of") }}' as date) as as_of_date,
        evaluation_date,
        status,
        met_criteria,
        unmet_criteria,
        facility_id,
        agency,
        province,
        nationality,
        special_categories,
        time_rule,
        cast(served_days as integer) as served_days,
        required_served_days,
        served_months,
        required_served_months,
        imposed_term_months,
        effective_term_months,
        is_life_reduced_to_term,
        cast(consecutive_good_quarters as integer) as consecutive_good_quarters,
        quarters_required,
        behaviour_band,
        fines_and_fees_paid,
        compensation_paid_in_full,
        has_hardship,
        is_corruption,
        articles,
        earlier_amnesties,
        prior_convictions,
        rule_version,
        sentence_event_id,
        admission_event_id
    from decided

)

select * from final
order by round_id, agency, province, facility_id, person_key
