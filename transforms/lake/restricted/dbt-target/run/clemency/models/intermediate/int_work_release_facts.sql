
    

    create  table
      "warehouse"."main"."int_work_release_facts__dbt_tmp"
  
    
    as (
      -- What the work-release rules look at, for every person in custody at the as-of date
-- while the pilot runs. The rules themselves are applied in int_work_release_criteria.
-- The organiser (người tổ chức, Penal Code Art. 17) of a particularly serious crime (Art. 9:
-- the frame judged under has a maximum over 15 years, life or death) is excluded
-- (Resolution 54/2022/QH15); when the catalogue cannot tell the seriousness, conservatively too.
with

points as (

    select * from "warehouse"."main"."int_evaluation_points"
    where program = 'work_release'

),

state as (

    select * from "warehouse"."main"."int_state_at_evaluation"

),

work_sites as (

    select * from "warehouse"."main"."stg_reference__work_sites"

),

sentences as (

    select * from "warehouse"."main"."int_sentences_at_evaluation"

),

catalogue as (

    select * from "warehouse"."main"."penal_code_articles"

),

organised_offences as (

    select
        sentences.person_id,
        sentences.evaluation_date,
        cast(offences.offence ->> '$.article' as integer) as article,
        cast(offences.offence ->> '$.clause' as integer) as clause
    from sentences,
        unnest(cast(sentences.offences as json[])) as offences (offence)
    where
        sentences.evaluation_date in (select points.evaluation_date from points)
        and offences.offence ->> '$.role' = 'organiser'

),

organised_seriousness as (

    select
        organised_offences.*,
        case
            when catalogue.article is null then 'unknown'
            when catalogue.particularly_serious_clauses = 'verify' then 'unknown'
            when coalesce(catalogue.particularly_serious_clauses, '') = ''
                then 'not_particularly_serious'
            when organised_offences.clause is null then 'unknown'
            when list_contains(
                string_split(catalogue.particularly_serious_clauses, '|'),
                cast(organised_offences.clause as varchar)
            ) then 'particularly_serious'
            else 'not_particularly_serious'
        end as seriousness
    from organised_offences
    left join catalogue on catalogue.article = organised_offences.article

),

organiser as (

    select
        person_id,
        evaluation_date,
        case
            when bool_or(seriousness = 'particularly_serious') then 'particularly_serious'
            when bool_or(seriousness = 'unknown') then 'unknown'
            else 'not_particularly_serious'
        end as organiser_seriousness,
        list(distinct article order by article) as organiser_articles
    from organised_seriousness
    group by all

),

nearest_site as (

    select
        facility_id,
        min(distance_km) as nearest_site_km
    from work_sites
    group by all

),

facts as (

    select
        points.scope_id as policy_id,
        points.rule_version,
        points.evaluation_date,
        state.person_id,
        state.facility_id,
        state.agency,
        state.province,
        state.facility_kind,
        state.birth_date,
        state.nationality,
        state.residence_province,
        state.prior_convictions,
        state.is_dangerous_recidivist,
        state.admission_event_id,
        state.sentence_event_id,
        state.is_life_imposed,
        state.is_life,
        state.is_life_reduced_to_term,
        state.is_reduced,
        state.imposed_term_months,
        state.effective_term_months,
        state.banding_term_months,
        state.arrest_date,
        state.served_days,
        state.served_months,
        state.suspended_days,
        state.bail_days,
        state.postponed_days,
        state.not_served_days,
        coalesce(state.consecutive_good_months, 0) as consecutive_good_months,
        state.latest_grade,
        state.escape_count,
        state.has_infectious_group_a,
        state.is_fit_for_labour,
        state.is_placed_on_work_release,
        state.work_release_site_id,
        nearest_site.nearest_site_km,
        organiser.person_id is not null as is_organiser,
        organiser.organiser_seriousness,
        coalesce(
            organiser.organiser_seriousness in ('particularly_serious', 'unknown'), false
        ) as is_organiser_of_particularly_serious_crime,
        coalesce(organiser.organiser_articles, []) as organiser_articles
    from points
    inner join state on state.evaluation_date = points.evaluation_date
    left join nearest_site on nearest_site.facility_id = state.facility_id
    left join organiser
        on organiser.person_id = state.person_id
        and organiser.evaluation_date = state.evaluation_date
    where state.is_in_custody and not state.is_quashed

)

select * from facts
    );
    
  