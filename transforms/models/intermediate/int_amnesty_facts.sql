-- What the amnesty rules look at, for every candidate of every round, as it stood at the
-- round's cutoff. Candidates: people in custody (or on suspension) at the cutoff with a
-- sentence that is not quashed. The rules themselves are applied in int_amnesty_criteria.
with

points as (

    select * from {{ ref('int_evaluation_points') }}
    where program = 'amnesty'

),

excluded_articles as (

    select * from {{ ref('amnesty_excluded_articles') }}

),

stricter_articles as (

    select * from {{ ref('amnesty_stricter_articles') }}

),

special_categories as (

    select * from {{ ref('amnesty_special_categories') }}

),

state as (

    select * from {{ ref('int_state_at_evaluation') }}
    where {{ recomputed('person_id', 'evaluation_date') }}

),

obligations as (

    select * from {{ ref('int_obligations_at_evaluation') }}

),

offences as (

    select * from {{ ref('int_offences_at_evaluation') }}

),

holds as (

    select * from {{ ref('int_legal_holds_at_evaluation') }}

),

behaviour as (

    select * from {{ ref('int_behaviour_at_evaluation') }}

),

candidates as (

    select
        points.scope_id as round_id,
        points.rule_version,
        points.last_required_period,
        state.*
    from points
    inner join state on state.evaluation_date = points.evaluation_date
    where
        not state.is_quashed
        and (state.is_in_custody or state.is_suspended)

),

offence_flags as (

    select
        candidates.person_id,
        candidates.round_id,
        bool_or(excluded_articles.article is not null) as has_excluded_offence,
        bool_or(
            stricter_articles.article is not null
            and candidates.banding_term_months >= stricter_articles.min_term_months
        ) as has_stricter_offence,
        list(distinct offences.article order by offences.article) as articles
    from candidates
    inner join offences
        on offences.person_id = candidates.person_id
        and offences.evaluation_date = candidates.evaluation_date
    left join excluded_articles
        on excluded_articles.rule_version = candidates.rule_version
        and excluded_articles.article = offences.article
    left join stricter_articles
        on stricter_articles.rule_version = candidates.rule_version
        and stricter_articles.article = offences.article
    group by all

),

special as (

    -- statuses recorded by the facility, plus the ages the record itself shows (the seed's
    -- basis and age_years: aged 70 or over at the cutoff, under 18 at the arrest)
    select
        candidates.person_id,
        candidates.round_id,
        list(distinct special_categories.category order by special_categories.category) filter (
            where special_categories.category is not null
        ) as categories
    from candidates
    left join special_categories
        on special_categories.rule_version = candidates.rule_version
        and (
            (
                special_categories.basis = 'status'
                and list_contains(candidates.active_special_statuses, special_categories.category)
            )
            or (
                special_categories.basis = 'age_at_cutoff'
                and candidates.birth_date + to_years(special_categories.age_years)
                <= candidates.evaluation_date
            )
            or (
                special_categories.basis = 'under_age_at_offence'
                and candidates.birth_date + to_years(special_categories.age_years)
                > candidates.arrest_date
            )
        )
    group by all

),

facts as (

    select
        candidates.round_id,
        candidates.rule_version,
        candidates.evaluation_date,
        candidates.person_id,
        candidates.facility_id,
        candidates.agency,
        candidates.province,
        candidates.admission_date,
        candidates.nationality,
        candidates.prior_convictions,
        candidates.admission_event_id,
        candidates.sentence_event_id,
        candidates.case_id,
        candidates.arrest_date,
        candidates.is_life,
        candidates.is_life_reduced_to_term,
        candidates.imposed_term_months,
        candidates.life_to_term_months,
        candidates.effective_term_months,
        candidates.banding_term_months,
        candidates.reduction_months,
        candidates.served_days,
        candidates.served_months,
        candidates.suspended_days,
        candidates.not_served_days,
        candidates.is_suspended,
        -- the day the sentence in force ends: arrest + the term now in force + every day
        -- that did not count as served (suspension, bail, postponement)
        cast(
            candidates.arrest_date + to_months(candidates.effective_term_months)
            + to_days(cast(candidates.not_served_days as integer)) as date
        ) as term_end_date,
        coalesce(candidates.consecutive_good_quarters, 0) as consecutive_good_quarters,
        candidates.latest_grade,
        behaviour.latest_period,
        candidates.last_required_period,
        behaviour.required_period_grade,
        behaviour.conduct_window_start,
        coalesce(behaviour.has_window_sanction, false) as has_window_sanction,
        behaviour.window_sanction_date,
        behaviour.window_sanction_severity,
        obligations.fines_and_fees_paid,
        obligations.compensation_paid_in_full,
        obligations.has_hardship,
        obligations.is_corruption,
        obligations.obligations_met,
        obligations.compensation_owed_vnd,
        obligations.compensation_paid_vnd,
        -- paid in full or discharged: enforcement terminated by the civil-enforcement head,
        -- or waived in writing by the creditor (Decree 52/2019/NĐ-CP Art. 4)
        obligations.fines_and_fees_settled,
        obligations.compensation_settled,
        obligations.fine_discharged,
        obligations.court_fee_discharged,
        obligations.compensation_discharged,
        obligations.discharge_reasons,
        coalesce(offence_flags.has_excluded_offence, false) as has_excluded_offence,
        coalesce(offence_flags.has_stricter_offence, false) as has_stricter_offence,
        offence_flags.articles,
        coalesce(holds.has_pending_review, false) as has_pending_review,
        -- a pending review bars only towards a heavier liability, or when it gives no
        -- direction (conservatively): Law on Amnesty 2018 Art. 12(2)
        coalesce(holds.has_barring_review, false) as has_barring_review,
        holds.pending_review_direction,
        coalesce(holds.has_open_prosecution, false) as has_open_prosecution,
        -- sqlfluff takes the lambda parameter `r` for an unqualified column (hence the noqa)
        list_filter(candidates.amnestied_rounds, lambda r: r <> candidates.round_id)  -- noqa: RF02
            as earlier_amnesties,
        coalesce(special.categories, []) as special_categories
    from candidates
    inner join obligations using (person_id, evaluation_date)
    left join offence_flags using (person_id, round_id)
    left join holds using (person_id, evaluation_date)
    left join special using (person_id, round_id)
    left join behaviour using (person_id, evaluation_date)

)

select * from facts
