-- What an incremental build keeps of the person-level tables (macro recomputed): one row per
-- kept evaluation date (kept_evaluation_date), one per carried date (carried_from_date and
-- carried_to_date) and one per recomputed person (recomputed_person_id), the other columns
-- null. A date is kept when the basis (the build the tables were computed for, source
-- run.evaluation_basis) evaluated it by the same points, the basis is earlier than the
-- as-of date, and no reference event and no event without a person has come since.
-- A date the basis evaluated and this build does not (the work-release and status points
-- move with the as-of date) is carried to the later one this build evaluates and the basis
-- did not, on the same conditions: the models that carry rows (macro carries_rows) move the
-- old date's rows to the new one, but for the people model int_carry_exceptions names; a
-- model whose rows also depend on the date's points (the behaviour quarter it requires)
-- only when both dates are judged by the same points (same_points). A person is
-- recomputed when an event of theirs recorded by the as-of date came since: recorded after
-- the basis's as-of date, or in a raw file the basis had not staged.
{% set basis_date = '(select basis_as_of_date from ' ~ ref('stg_run__evaluation_basis') ~ ')' %}
with

basis as (

    select * from {{ ref('stg_run__evaluation_basis') }}

),

as_of as (

    select {{ as_of_date() }} as as_of_date

),

current_points as (

    select * from {{ ref('int_evaluation_points') }}

),

basis_points as (

    {{ evaluation_points(basis_date) }}

),

deliveries as (

    select
        person_id,
        recorded_at,
        source_file
    from {{ ref('stg_raw__facility_deliveries') }}
    union all
    select
        person_id,
        recorded_at,
        source_file
    from {{ ref('stg_raw__court_deliveries') }}
    union all
    select
        null as person_id,
        recorded_at,
        source_file
    from {{ ref('stg_raw__reference_deliveries') }}

),

-- the raw files the basis had not staged
new_files as (

    select files.source_file
    from (select distinct source_file from deliveries) as files
    cross join basis
    where not list_contains(basis.staged_files, files.source_file)

),

-- every delivery a snapshot at the as-of date sees that the basis's did not
arrived as (

    select deliveries.person_id
    from deliveries
    cross join basis
    cross join as_of
    where
        basis.basis_as_of_date is not null
        and cast(deliveries.recorded_at as date) <= as_of.as_of_date
        and (
            cast(deliveries.recorded_at as date) > basis.basis_as_of_date
            or deliveries.source_file in (select new_files.source_file from new_files)
        )

),

-- each evaluation date's points, at this build's as-of date and at the basis's
points_by_date as (

    select
        evaluation_date,
        is_current,
        list(
            struct_pack(
                program, scope_id, rule_version, last_required_period,
                ungraded_last_quarter_allowed
            )
            order by program, scope_id
        ) as points
    from (
        select
            *,
            true as is_current
        from current_points
        union all by name
        select
            *,
            false as is_current
        from basis_points
    ) as both_points
    group by evaluation_date, is_current

),

-- whether rows may be kept at all: a reference event (a facility's agency, a round) or one
-- without a person can change anyone's rows, and a basis must be earlier
keeping as (

    select
        basis.basis_as_of_date < as_of.as_of_date
        and not exists (
            select 1 from arrived
            where arrived.person_id is null
        ) as rows_kept
    from basis
    cross join as_of

),

kept_dates as (

    select now_points.evaluation_date
    from points_by_date as now_points
    inner join points_by_date as then_points
        on
        then_points.evaluation_date = now_points.evaluation_date
        and not then_points.is_current
    cross join keeping
    where
        now_points.is_current
        and keeping.rows_kept
        and now_points.points is not distinct from then_points.points

),

-- the dates only one of the two builds evaluates, with their points: dropped (the basis's
-- only) or added (this build's only)
one_sided_dates as (

    select *
    from points_by_date
    qualify count(*) over (partition by evaluation_date) = 1

),

-- an old date is carried to the later new one, when that pair is the only one either date
-- is in (it is: the moving points share one date), and whether the two dates are judged by
-- the same points but for the date (the same behaviour quarter required: not across the end
-- of a quarter)
carried_dates as (

    select
        dropped_dates.evaluation_date as carried_from_date,
        added_dates.evaluation_date as carried_to_date,
        -- never null; coalesce() only because sqlfluff cannot parse the bare test here
        coalesce(added_dates.points is not distinct from dropped_dates.points, false)
            as same_points
    from one_sided_dates as dropped_dates
    inner join one_sided_dates as added_dates
        on
        added_dates.evaluation_date > dropped_dates.evaluation_date
        and added_dates.is_current
        and not dropped_dates.is_current
    cross join keeping
    where keeping.rows_kept
    qualify
        count(*) over (partition by dropped_dates.evaluation_date) = 1
        and count(*) over (partition by added_dates.evaluation_date) = 1

),

final as (

    select
        evaluation_date as kept_evaluation_date,
        cast(null as date) as carried_from_date,
        cast(null as date) as carried_to_date,
        cast(null as boolean) as same_points,
        cast(null as varchar) as recomputed_person_id
    from kept_dates
    union all
    select
        cast(null as date) as kept_evaluation_date,
        carried_from_date,
        carried_to_date,
        same_points,
        cast(null as varchar) as recomputed_person_id
    from carried_dates
    union all
    select distinct
        cast(null as date) as kept_evaluation_date,
        cast(null as date) as carried_from_date,
        cast(null as date) as carried_to_date,
        cast(null as boolean) as same_points,
        person_id as recomputed_person_id
    from arrived
    where person_id is not null

)

select * from final
