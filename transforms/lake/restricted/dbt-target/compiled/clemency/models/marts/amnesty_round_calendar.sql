

-- Each amnesty round as declared (the latest amnesty_round.declared event recorded by the
-- as-of date, field by field over the rule seed) and its procedure's time limits
-- (seeds/rules/amnesty_procedure.csv) counted from the signing date.
with

seeded as (

    select * from "warehouse"."main"."amnesty_rounds"

),

declared as (

    select * from "warehouse"."main"."stg_reference__amnesty_rounds"

),

procedure as (

    select * from "warehouse"."main"."amnesty_procedure"

),

rounds as (

    select
        coalesce(declared.round_id, seeded.round_id) as round_id,
        coalesce(declared.decision_no, seeded.decision_no) as decision_no,
        coalesce(declared.signed_date, seeded.signed_date) as signed_date,
        coalesce(declared.cutoff_date, seeded.cutoff_date) as cutoff_date,
        coalesce(declared.rule_version, seeded.rule_version) as rule_version,
        declared.round_id is not null as is_declared
    from seeded
    full outer join declared on declared.round_id = seeded.round_id

),

deadlines as (

    select
        rounds.*,
        rounds.signed_date + procedure.apply_days as apply_by,
        rounds.signed_date + procedure.apply_days + procedure.facility_list_days
            as facility_lists_by,
        rounds.signed_date + procedure.apply_days + procedure.court_list_days
            as court_lists_by,
        rounds.signed_date + procedure.apply_days + procedure.facility_list_days
        + procedure.complaint_days as complaints_by,
        rounds.signed_date + procedure.apply_days + procedure.court_list_days
        + procedure.appraisal_days as appraisal_by
    from rounds
    left join procedure on procedure.rule_version = rounds.rule_version

)

select
    *,
    (select max(as_of_date) from "warehouse"."main"."stg_run__as_of_dates") as as_of_date
from deadlines
order by round_id