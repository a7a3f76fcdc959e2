{{ config(location=var('lake') ~ '/curated/work_release_eligibility.parquet') }}

{% set criteria = [
    ('serving_sentence', 'meets_serving_sentence'),
    ('facility_agency', 'meets_facility_agency'),
    ('site_distance', 'meets_site_distance'),
    ('first_offence', 'meets_first_offence'),
    ('not_dangerous_recidivist', 'meets_not_dangerous_recidivist'),
    ('no_excluded_offence', 'meets_no_excluded_offence'),
    ('remaining_term', 'meets_remaining_term'),
    ('sentence_reduced', 'meets_sentence_reduced'),
    ('time_served', 'meets_time_served'),
    ('consecutive_good_months', 'meets_consecutive_good_months'),
    ('age_range', 'meets_age_range'),
    ('nationality', 'meets_nationality'),
    ('health', 'meets_health'),
    ('not_escaped', 'meets_not_escaped'),
    ('current_grade', 'meets_current_grade'),
    ('known_residence', 'meets_known_residence'),
] %}
{# The pilot's absolute bars: nothing about them changes with time. #}
{% set bars = [
    'meets_no_excluded_offence', 'meets_first_offence', 'meets_not_dangerous_recidivist',
    'meets_nationality', 'meets_not_escaped', 'meets_facility_agency',
] %}
{# Time-based criteria: unmet alone and met within the window makes a person almost eligible. #}
{% set time_based = {
    'time_served': 'time_served_within_window',
    'consecutive_good_months': 'good_months_within_window',
    'remaining_term': 'remaining_term_within_window',
} %}

with

criteria as (

    select * from {{ ref('int_work_release_criteria') }}

),

listed as (

    select
        *,
        {{ criteria_list(criteria, true) }} as met_criteria,
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
        'work_release' as program,
        policy_id,
        cast('{{ var("as_of") }}' as date) as as_of_date,
        evaluation_date,
        status,
        met_criteria,
        unmet_criteria,
        facility_id,
        agency,
        province,
        band,
        imposed_term_months,
        effective_term_months,
        term_end_date,
        remaining_months,
        cast(served_days as integer) as served_days,
        required_served_days,
        served_months,
        cast(consecutive_good_months as integer) as consecutive_good_months,
        required_good_months,
        age_years,
        nearest_site_km,
        is_placed_on_work_release,
        work_release_site_id,
        rule_version,
        sentence_event_id,
        admission_event_id
    from decided

)

select * from final
order by agency, province, facility_id, person_key
