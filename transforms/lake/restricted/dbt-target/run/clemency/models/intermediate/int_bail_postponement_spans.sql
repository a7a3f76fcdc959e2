
    

    create  table
      "warehouse"."main"."int_bail_postponement_spans__dbt_tmp"
  
    
    as (
      -- Periods a convicted or accused person was at liberty before serving: on bail before the
-- judgment took effect (tại ngoại) and on a postponement of serving (hoãn chấp hành án, Penal
-- Code Art. 67). Neither counts as time served (round guidance 94/HD-HĐTVĐX, docs/domain.md).
-- A span ends at the first recorded end, else at the end date the court set, and at the latest
-- on the person's first admission to a facility on or after its start (serving has begun).
with

bail as (

    select * from "warehouse"."main"."stg_court__bail_grants"

),

bail_ends as (

    select * from "warehouse"."main"."stg_court__bail_ends"

),

postponements as (

    select * from "warehouse"."main"."stg_court__postponements"

),

postponement_ends as (

    select * from "warehouse"."main"."stg_court__postponement_ends"

),

admissions as (

    select * from "warehouse"."main"."stg_facility__admissions"

),

starts as (

    select
        event_id,
        person_id,
        case_id,
        'bail' as span_kind,
        bail_measure as span_reason,
        start_date,
        end_date
    from bail
    union all
    select
        event_id,
        person_id,
        case_id,
        'postponement' as span_kind,
        postponement_reason as span_reason,
        start_date,
        end_date
    from postponements

),

ends as (

    select
        person_id,
        case_id,
        'bail' as span_kind,
        ended_date
    from bail_ends
    union all
    select
        person_id,
        case_id,
        'postponement' as span_kind,
        ended_date
    from postponement_ends

),

recorded_end as (

    select
        starts.event_id,
        min(ends.ended_date) as ended_date
    from starts
    inner join ends
        on ends.person_id = starts.person_id
        and ends.case_id = starts.case_id
        and ends.span_kind = starts.span_kind
        and ends.ended_date >= starts.start_date
    group by all

),

admitted as (

    select
        starts.event_id,
        min(admissions.admission_date) as admission_date
    from starts
    inner join admissions
        on admissions.person_id = starts.person_id
        and admissions.admission_date >= starts.start_date
    group by all

),

spans as (

    select
        starts.event_id,
        starts.person_id,
        starts.case_id,
        starts.span_kind,
        starts.span_reason,
        starts.start_date,
        -- least() skips nulls: an open span with no admission stays open
        least(
            coalesce(recorded_end.ended_date, starts.end_date), admitted.admission_date
        ) as end_date
    from starts
    left join recorded_end using (event_id)
    left join admitted using (event_id)

)

select * from spans
    );
    
  