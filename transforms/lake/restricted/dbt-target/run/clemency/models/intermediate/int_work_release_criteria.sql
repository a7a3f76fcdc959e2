
    

    create  table
      "warehouse"."main"."int_work_release_criteria__dbt_tmp"
  
    
    as (
      -- Every work-release criterion (Resolution 54/2022/QH15, Decree 09/2023) for every
-- person in custody at the as-of date, judged with the policy seeds (bands, distance,
-- ages, the optional 2022-draft offence list, the almost-eligible windows), with the
-- figures behind each decision. The behaviour criteria also read the conduct since the
-- last graded quarter (int_behaviour_at_evaluation).
with

facts as (

    select * from "warehouse"."main"."int_work_release_facts"

),

policies as (

    select * from "warehouse"."main"."work_release_policy"

),

bands as (

    select * from "warehouse"."main"."work_release_bands"

),

excluded_offences as (

    select * from "warehouse"."main"."work_release_excluded_offences"

),

offences as (

    select * from "warehouse"."main"."int_offences_at_evaluation"

),

behaviour as (

    select * from "warehouse"."main"."int_behaviour_at_evaluation"

),

excluded_hits as (

    select
        facts.person_id,
        bool_or(excluded_offences.article is not null) as has_excluded_offence,
        list(distinct excluded_offences.reason order by excluded_offences.reason) filter (
            where excluded_offences.reason is not null
        ) as excluded_offences
    from facts
    inner join policies using (policy_id)
    inner join offences
        on offences.person_id = facts.person_id
        and offences.evaluation_date = facts.evaluation_date
    left join excluded_offences
        on excluded_offences.rule_version = facts.rule_version
        and excluded_offences.article = offences.article
        and (excluded_offences.clause is null or excluded_offences.clause = offences.clause)
        and (excluded_offences.point is null or excluded_offences.point = offences.point)
        and (not excluded_offences.draft_only or policies.draft_offence_exclusions)
    group by all

),

with_rules as (

    select
        facts.*,
        policies.agency as policy_agency,
        policies.facility_kind as policy_facility_kind,
        policies.max_site_distance_km,
        policies.max_remaining_months,
        policies.min_age_years,
        policies.max_age_years_exclusive,
        policies.max_prior_convictions,
        policies.required_nationality,
        policies.excluded_current_grade,
        policies.almost_window_days,
        policies.almost_window_quarters,
        coalesce(excluded_hits.has_excluded_offence, false) as has_excluded_offence,
        coalesce(excluded_hits.excluded_offences, []) as excluded_offences,
        -- the day the sentence ends: arrest + the term now in force + every day that did not
        -- count as served (suspension, bail, postponement)
        case
            when facts.effective_term_months is not null
                then cast(
                    facts.arrest_date + to_months(facts.effective_term_months)
                    + to_days(cast(facts.not_served_days as integer)) as date
                )
        end as term_end_date,
        behaviour.latest_period,
        behaviour.last_required_period,
        behaviour.conduct_window_start,
        coalesce(behaviour.has_window_sanction, false) as has_window_sanction,
        behaviour.window_sanction_date,
        behaviour.window_sanction_severity,
        bands.band,
        bands.requires_reduction,
        bands.min_served_numerator,
        bands.min_served_denominator,
        bands.consecutive_good_months as required_good_months
    from facts
    inner join policies using (policy_id, rule_version)
    left join excluded_hits using (person_id)
    left join behaviour using (person_id, evaluation_date)
    left join bands
        on bands.rule_version = facts.rule_version
        and (
            (bands.includes_life and facts.is_life_imposed)
            or (
                not facts.is_life_imposed
                and facts.imposed_term_months > bands.min_term_months_exclusive
                and (
                    bands.max_term_months_inclusive is null
                    or facts.imposed_term_months <= bands.max_term_months_inclusive
                )
            )
        )

),

measured as (

    select
        *,
        cast(evaluation_date + to_months(max_remaining_months) as date) as latest_allowed_end_date,
        cast(ceil(
            banding_term_months * 30.4375
            * min_served_numerator / min_served_denominator
        ) as integer) as required_served_days,
        date_diff('year', birth_date, evaluation_date) - case
            when strftime(evaluation_date, '%m%d') < strftime(birth_date, '%m%d') then 1
            else 0
        end as age_years
    from with_rules

),

criteria as (

    select
        *,
        round(date_diff('day', evaluation_date, term_end_date) / 30.4375, 1)
            as remaining_months,
        residence_province is not null as has_known_residence,
        not is_life as meets_serving_sentence,
        agency = policy_agency and facility_kind = policy_facility_kind as meets_facility_agency,
        coalesce(nearest_site_km <= max_site_distance_km, false) as meets_site_distance,
        prior_convictions <= max_prior_convictions as meets_first_offence,
        not is_dangerous_recidivist as meets_not_dangerous_recidivist,
        not coalesce(is_organiser_of_particularly_serious_crime, false) as meets_not_organiser,
        not has_excluded_offence as meets_no_excluded_offence,
        coalesce(term_end_date <= latest_allowed_end_date, false) as meets_remaining_term,
        not requires_reduction or is_reduced as meets_sentence_reduced,
        served_days >= required_served_days as meets_time_served,
        -- the run (it includes the last quarter ended before the date), and no sanction of
        -- warning or heavier since the last graded quarter
        consecutive_good_months >= required_good_months
        and not has_window_sanction as meets_consecutive_good_months,
        age_years >= min_age_years and age_years < max_age_years_exclusive as meets_age_range,
        nationality = required_nationality as meets_nationality,
        coalesce(not has_infectious_group_a and is_fit_for_labour, false) as meets_health,
        escape_count = 0 as meets_not_escaped,
        -- currently kem: the latest grade, or a sanction of warning or heavier since it
        coalesce(latest_grade <> excluded_current_grade, true)
        and not has_window_sanction as meets_current_grade,
        residence_province is not null as meets_known_residence,
        required_served_days - served_days <= almost_window_days as time_served_within_window,
        required_good_months - consecutive_good_months <= 3 * almost_window_quarters
        and not has_window_sanction as good_months_within_window,
        date_diff('day', latest_allowed_end_date, term_end_date) <= almost_window_days
            as remaining_term_within_window
    from measured

)

select * from criteria
    );
    
  