-- Every amnesty criterion for every candidate of every round, judged at the round's
-- cutoff with the round's seeded rules, with the figures behind each decision.
with

facts as (

    select * from {{ ref('int_amnesty_facts') }}

),

rounds as (

    select * from {{ ref('amnesty_rounds') }}

),

behaviour_bands as (

    select * from {{ ref('amnesty_behaviour_quarters') }}

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
        rounds.max_prior_convictions,
        rounds.almost_window_days
    from facts
    inner join rounds using (round_id, rule_version)

),

-- Which time rule applies: stricter offences first (Art. 11(3)), then the special
-- categories' shorter time, then the standard third; life reduced to a term uses years.
time_rule as (

    select
        *,
        case
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
                    when 'stricter' then stricter_life_min_years
                    when 'special' then special_life_min_years
                    else life_reduced_min_years
                end
            when is_life then null
            else imposed_term_months * case time_rule
                when 'stricter' then stricter_numerator / stricter_denominator
                when 'special' then special_numerator / special_denominator
                else time_served_numerator / time_served_denominator
            end
        end as required_term_months
    from time_rule

),

-- Calendar arithmetic: whole months on the calendar, a fractional month as days (rounded
-- up), and every suspended day added back (suspension does not count as served).
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
            + to_days(cast(suspended_days as integer))
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
        cast(date_diff('day', arrest_date, time_served_date) - suspended_days as integer)
            as required_served_days,
        round(required_term_months, 1) as required_served_months,
        not is_life as meets_serving_sentence,
        coalesce(consecutive_good_quarters >= quarters_required, false) as meets_behaviour_grades,
        coalesce(evaluation_date >= time_served_date, false) as meets_time_served,
        obligations_met as meets_obligations_paid,
        not has_excluded_offence as meets_no_excluded_offence,
        not has_pending_review as meets_no_pending_review,
        not has_open_prosecution as meets_no_other_prosecution,
        len(earlier_amnesties) = 0 as meets_not_previously_amnestied,
        prior_convictions <= max_prior_convictions as meets_prior_convictions_limit,
        len(special_categories) > 0 as meets_special_category,
        -- "almost": met within the window without anything else changing
        date_diff('day', evaluation_date, time_served_date) <= almost_window_days
            as time_served_within_window,
        quarters_required - consecutive_good_quarters = 1 as behaviour_within_window
    from with_band

)

select * from criteria
