-- Each round's own bars (amnesty_round_bars: the cases its President's decision does not
-- propose, beyond Law on Amnesty 2018 Art. 12) judged for every candidate at the cutoff,
-- one row per candidate and round with the figures behind each bar's criterion:
--   remaining_term_limit       more than the round's cap left to serve (by special category)
--   drug_remaining_term        a drug offence with more than its sentence band's cap left
--   no_round_excluded_offence  an offence the round names (article, clause, point)
--   no_repeat_offending        repeat offending: a listed offence after a previous conviction,
--                              several intentional offences, a previous conviction and a new
--                              intentional offence
-- "Left to serve" runs to the end of the sentence in force (int_amnesty_facts.term_end_date).
-- A bar whose cap is unknown (null, verify) bars nobody.
with

facts as (

    select * from {{ ref('int_amnesty_facts') }}
    where {{ recomputed('person_id', 'evaluation_date') }}

),

bars as (

    select * from {{ ref('amnesty_round_bars') }}
    where applies

),

offences as (

    select * from {{ ref('int_offences_at_evaluation') }}

),

unintentional as (

    select * from {{ ref('unintentional_offences') }}

),

offence_profile as (

    select
        facts.person_id,
        facts.round_id,
        count(distinct offences.article) filter (
            where unintentional.article is null
        ) as intentional_offences
    from facts
    inner join offences
        on offences.person_id = facts.person_id
        and offences.evaluation_date = facts.evaluation_date
    left join unintentional on unintentional.article = offences.article
    group by all

),

-- bars that name an offence, against the offences of the sentence in force
offence_matches as (

    select distinct
        facts.person_id,
        facts.round_id,
        bars.bar_id
    from facts
    inner join bars on bars.rule_version = facts.rule_version
    inner join offences
        on offences.person_id = facts.person_id
        and offences.evaluation_date = facts.evaluation_date
    where
        bars.condition in ('offence', 'offence_remaining_term', 'repeat_offence')
        and (bars.article is null or bars.article = offences.article)
        and (bars.clause is null or bars.clause = offences.clause)
        and (bars.point is null or bars.point = offences.point)
        and (bars.offence_category is null or bars.offence_category = offences.category)

),

applicable as (

    select
        facts.person_id,
        facts.round_id,
        facts.evaluation_date,
        facts.term_end_date,
        facts.banding_term_months,
        facts.prior_convictions,
        coalesce(offence_profile.intentional_offences, 0) as intentional_offences,
        bars.bar_id,
        bars.criterion,
        bars.condition,
        bars.min_term_months_exclusive,
        bars.max_term_months_inclusive,
        bars.max_remaining_months,
        bars.min_count,
        bars.reason,
        offence_matches.bar_id is not null as offence_matches
    from facts
    inner join bars
        on bars.rule_version = facts.rule_version
        and (
            bars.category_scope = 'any'
            or (bars.category_scope = 'special') = (len(facts.special_categories) > 0)
        )
    left join offence_profile using (person_id, round_id)
    left join offence_matches
        on offence_matches.person_id = facts.person_id
        and offence_matches.round_id = facts.round_id
        and offence_matches.bar_id = bars.bar_id

),

judged as (

    select
        *,
        coalesce(
            (min_term_months_exclusive is null or banding_term_months > min_term_months_exclusive)
            and (
                max_term_months_inclusive is null
                or banding_term_months <= max_term_months_inclusive
            ),
            false
        ) as in_band,
        coalesce(
            term_end_date > evaluation_date + to_months(max_remaining_months), false
        ) as exceeds_cap
    from applicable

),

barred as (

    select
        *,
        case condition
            when 'remaining_term' then exceeds_cap
            when 'offence' then offence_matches
            when 'offence_remaining_term' then offence_matches and in_band and exceeds_cap
            when 'repeat_offence' then offence_matches and prior_convictions >= min_count
            when 'intentional_offences' then intentional_offences >= min_count
            when 'prior_and_intentional'
                then prior_convictions >= min_count and intentional_offences >= 1
        end as is_barred
    from judged

),

by_candidate as (

    select
        person_id,
        round_id,
        coalesce(bool_or(is_barred) filter (where criterion = 'remaining_term_limit'), false)
            as is_remaining_term_barred,
        min(max_remaining_months) filter (where condition = 'remaining_term')
            as remaining_term_cap_months,
        coalesce(bool_or(is_barred) filter (where criterion = 'drug_remaining_term'), false)
            as is_drug_remaining_term_barred,
        min(max_remaining_months) filter (
            where condition = 'offence_remaining_term' and offence_matches and in_band
        ) as drug_remaining_cap_months,
        min(reason) filter (
            where condition = 'offence_remaining_term' and offence_matches and in_band
        ) as drug_band_rule,
        coalesce(
            list(reason order by bar_id) filter (
                where criterion = 'no_round_excluded_offence' and is_barred
            ),
            []
        ) as round_excluded_offences,
        coalesce(
            list(reason order by bar_id) filter (
                where criterion = 'no_repeat_offending' and is_barred
            ),
            []
        ) as repeat_offending
    from barred
    group by all

),

final as (

    select
        facts.person_id,
        facts.round_id,
        facts.evaluation_date,
        coalesce(offence_profile.intentional_offences, 0) as intentional_offences,
        coalesce(by_candidate.is_remaining_term_barred, false) as is_remaining_term_barred,
        by_candidate.remaining_term_cap_months,
        coalesce(by_candidate.is_drug_remaining_term_barred, false)
            as is_drug_remaining_term_barred,
        by_candidate.drug_remaining_cap_months,
        by_candidate.drug_band_rule,
        coalesce(by_candidate.round_excluded_offences, []) as round_excluded_offences,
        coalesce(by_candidate.repeat_offending, []) as repeat_offending
    from facts
    left join offence_profile using (person_id, round_id)
    left join by_candidate using (person_id, round_id)

)

select * from final
