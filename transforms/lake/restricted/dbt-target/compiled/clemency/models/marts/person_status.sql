

-- One row per person known at the as-of date: custody, sentence and progress, keyed by
-- pseudonym only. The current snapshot analysts start from.
with

points as (

    select evaluation_date from "warehouse"."main"."int_evaluation_points"
    where program = 'status'

),

state as (select * from "warehouse"."main"."int_state_at_evaluation"),

snapshot as (

    select
        person_key(state.person_id) as person_key,
        (select max(as_of_date) from "warehouse"."main"."stg_run__as_of_dates") as as_of_date,
        state.is_in_custody,
        state.is_suspended,
        state.release_date,
        state.release_reason,
        state.facility_id,
        state.agency,
        state.province,
        state.sex,
        state.nationality,
        state.is_life,
        state.is_life_reduced_to_term,
        state.imposed_term_months,
        state.effective_term_months,
        state.is_quashed,
        state.served_months,
        state.latest_grade,
        state.consecutive_good_quarters,
        state.amnestied_rounds,
        state.is_placed_on_work_release
    from state
    inner join points using (evaluation_date)

)

select * from snapshot
order by person_key