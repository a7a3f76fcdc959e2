

-- The work-release decision per person at the as-of date: status and met/unmet lists from
-- the criterion catalogue (macro decide, seeds/rules/criteria.csv), and the figures.
with

criteria as (

    select * from "warehouse"."main"."int_work_release_criteria"

),

decisions as (

    
    with

    catalogue as (

        select * from "warehouse"."main"."criteria"
        where program = 'work_release'

    ),

    rows_as_json as (

        select
            judged_row.person_id,
            judged_row.policy_id,
            to_json(judged_row) as judgements
        from (
            select
                person_id, policy_id,
                columns('^meets_|_within_window$')
            from criteria
        ) as judged_row

    ),

    judged as (

        select
            rows_as_json.person_id,
            rows_as_json.policy_id,
            catalogue.code,
            catalogue.kind,
            catalogue.position,
            cast(
                json_extract(rows_as_json.judgements, '$.' || nullif(catalogue.meets_column, ''))
                as boolean
            ) is null as unjudgeable,
            coalesce(
                cast(
                    json_extract(rows_as_json.judgements, '$.' || nullif(catalogue.meets_column, ''))
                    as boolean
                ),
                false
            ) as met,
            coalesce(
                cast(
                    json_extract(rows_as_json.judgements, '$.' || nullif(catalogue.window_column, ''))
                    as boolean
                ),
                false
            ) as within_window
        from rows_as_json
        cross join catalogue

    ),

    decided as (

        select
            person_id, policy_id,
            coalesce(list(code order by position) filter (where met), []) as met_criteria,
            coalesce(
                list(code order by position) filter (where not met and kind <> 'informational'),
                []
            ) as unmet_criteria,
            coalesce(
                list(code order by position) filter (where unjudgeable and kind <> 'informational'),
                []
            ) as unjudgeable_criteria,
            case
                when bool_or(kind = 'bar' and not met) then 'excluded'
                when count(*) filter (where not met and kind <> 'informational') = 0
                    then 'eligible'
                when
                    count(*) filter (where not met and kind <> 'informational') = 1
                    and bool_or(kind = 'time' and not met and within_window)
                    then 'almost_eligible'
                else 'ineligible'
            end as status
        from judged
        group by person_id, policy_id

    )

    select * from decided


),

final as (

    select
        person_key(criteria.person_id) as person_key,
        'work_release' as program,
        criteria.policy_id,
        (select max(as_of_date) from "warehouse"."main"."stg_run__as_of_dates") as as_of_date,
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

)

select * from final
order by agency, province, facility_id, person_key