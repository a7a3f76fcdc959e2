-- The dates decisions are judged at: every amnesty round at its cutoff (once its
-- decision is signed by the as-of date), the work-release policy at the as-of date while
-- the pilot runs, and the plain as-of date for the current snapshot (person_status).
with

rounds as (

    select * from {{ ref('amnesty_rounds') }}

),

policies as (

    select * from {{ ref('work_release_policy') }}

),

as_of as (

    select cast('{{ var("as_of") }}' as date) as as_of_date

),

points as (

    select
        'amnesty' as program,
        rounds.round_id as scope_id,
        rounds.rule_version,
        rounds.cutoff_date as evaluation_date
    from rounds
    cross join as_of
    where rounds.signed_date <= as_of.as_of_date

    union all

    select
        'work_release' as program,
        policies.policy_id as scope_id,
        policies.rule_version,
        as_of.as_of_date as evaluation_date
    from policies
    cross join as_of
    where as_of.as_of_date between policies.pilot_start and policies.pilot_end

    union all

    select
        'status' as program,
        'snapshot' as scope_id,
        null as rule_version,
        as_of_date
    from as_of

)

select * from points
