-- Every amnesty criterion for every candidate of every round, judged at the round's
-- cutoff with the round's seeded rules, with the figures behind each decision.
with

facts as (

    select * from {{ ref('int_amnesty_facts') }}
    where {{ recomputed('person_id', 'evaluation_date') }}

),

rounds as (

    select * from {{ ref('amnesty_rounds') }}

),

behaviour_bands as (

    select * from {{ ref('amnesty_behaviour_quarters') }}

),

round_bars as (

    select * from {{ ref('int_amnesty_round_bars') }}

),

with_rules as (

    select
        facts.*,
        rounds.time_served_numerator,
        rounds.time_served_denominator,
        rounds.life_reduced_min_years,
        rounds.stricter_numerator,
        rounds.stricter_denominator,
        rounds.stricter_life_min_years,
        rounds.special_numerator,
        rounds.special_denominator,
        rounds.special_life_min_years,
        rounds.special_stricter_numerator,
        rounds.special_stricter_denominator,
        rounds.special_stricter_life_min_years,
        rounds.max_prior_convictions,
        rounds.almost_window_days,
        rounds.almost_window_quarters,
        coalesce(round_bars.intentional_offences, 0) as intentional_offences,
        coalesce(round_bars.is_remaining_term_barred, false) as is_remaining_term_barred,
        round_bars.remaining_term_cap_months,
        coalesce(round_bars.is_drug_remaining_term_barred, false)
            as is_drug_remaining_term_barred,
        round_bars.drug_remaining_cap_months,
        round_bars.drug_band_rule,
        coalesce(round_bars.round_excluded_offences, []) as round_excluded_offences,
        coalesce(round_bars.repeat_offending, []) as repeat_offending
    from facts
    inner join rounds using (round_id, rule_version)
    left join round_bars using (person_id, round_id)

),

-- Which time rule applies (a round parameter each): a special category whose offence is
-- also on the stricter list (Art. 11(3)) has the round's own fraction (2022's rounds: 2/5);
-- otherwise the stricter offences' time, the special categories' shorter time, or the
-- standard third. A life sentence reduced to a term counts years.
time_rule as (

    select
        *,
        case
            when has_stricter_offence and len(special_categories) > 0 then 'special_stricter'
            when has_stricter_offence then 'stricter'
            when len(special_categories) > 0 then 'special'
            else 'standard'
        end as time_rule
    from with_rules

),

-- The term to serve, in (possibly fractional) months: a fraction of the imposed term, or
-- a number of years for a life sentence reduced to a term.
required_months as (

    select
        *,
        case
            when is_life_reduced_to_term
                then 12.0 * case time_rule
                    when 'special_stricter' then special_stricter_life_min_years
                    when 'stricter' then stricter_life_min_years
                    when 'special' then special_life_min_years
                    else life_reduced_min_years
                end
            when is_life then null
            else imposed_term_months * case time_rule
                when 'special_stricter'
                    then special_stricter_numerator / special_stricter_denominator
                when 'stricter' then stricter_numerator / stricter_denominator
                when 'special' then special_numerator / special_denominator
                else time_served_numerator / time_served_denominator
            end
        end as required_term_months
    from time_rule

),

-- Calendar arithmetic: whole months on the calendar, a fractional month as days (rounded
-- up), and every day not served added back (suspension, bail and postponement do not
-- count as served: Guidance 94/HD-HĐTVĐX).
required_time as (

    select
        *,
        cast(
            arrest_date
            + to_months(cast(floor(required_term_months + 1e-9) as integer))
            + to_days(cast(ceil(
                (required_term_months - floor(required_term_months + 1e-9))
                * {{ var('days_per_month') }} - 1e-9
            ) as integer))
            + to_days(cast(not_served_days as integer))
            as date
        ) as time_served_date
    from required_months

),

with_band as (

    select
        required_time.*,
        behaviour_bands.band as behaviour_band,
        behaviour_bands.quarters_required
    from required_time
    left join behaviour_bands
        on behaviour_bands.rule_version = required_time.rule_version
        and (
            (behaviour_bands.applies_to_life_reduced and required_time.is_life_reduced_to_term)
            or (
                not behaviour_bands.applies_to_life_reduced
                and not required_time.is_life_reduced_to_term
                and required_time.imposed_term_months > behaviour_bands.min_term_months_exclusive
                and required_time.imposed_term_months <= behaviour_bands.max_term_months_inclusive
            )
        )

),

criteria as (

    select
        *,
        cast(date_diff('day', arrest_date, time_served_date) - not_served_days as integer)
            as required_served_days,
        round(required_term_months, 1) as required_served_months,
        round(date_diff('day', evaluation_date, term_end_date) / {{ var('days_per_month') }}, 1)
            as remaining_months,
        not is_life as meets_serving_sentence,
        -- the run (it includes the round's last required quarter), and no sanction of
        -- warning or heavier since the last graded quarter (Guidance 94/HD-HĐTVĐX)
        coalesce(consecutive_good_quarters >= quarters_required, false)
        and not coalesce(has_window_sanction, false) as meets_behaviour_grades,
        coalesce(evaluation_date >= time_served_date, false) as meets_time_served,
        obligations_met as meets_obligations_paid,
        not has_excluded_offence as meets_no_excluded_offence,
        -- Art. 12(2): a pending cassation or reopening bars only when it seeks a heavier
        -- criminal liability (or, conservatively, states no direction); lighter or other does not
        not has_barring_review as meets_no_pending_review,
        not has_open_prosecution as meets_no_other_prosecution,
        len(earlier_amnesties) = 0 as meets_not_previously_amnestied,
        prior_convictions <= max_prior_convictions as meets_prior_convictions_limit,
        not is_remaining_term_barred as meets_remaining_term_limit,
        not is_drug_remaining_term_barred as meets_drug_remaining_term,
        len(round_excluded_offences) = 0 as meets_no_round_excluded_offence,
        len(repeat_offending) = 0 as meets_no_repeat_offending,
        len(special_categories) > 0 as meets_special_category,
        -- "almost": met within the window without anything else changing
        date_diff('day', evaluation_date, time_served_date) <= almost_window_days
            as time_served_within_window,
        quarters_required - consecutive_good_quarters between 1 and almost_window_quarters
        and not coalesce(has_window_sanction, false) as behaviour_within_window
    from with_band

)

select * from criteria
