{{ config(location=var('lake') ~ '/curated/person_status.parquet') }}

-- One row per person known at the as-of date: custody, sentence and progress, keyed by
-- pseudonym only. The current snapshot analysts start from.
with

keys as (

    select * from {{ ref('int_person_keys') }}

),

points as (

    select evaluation_date from {{ ref('int_evaluation_points') }}
    where program = 'status'

),

state as (select * from {{ ref('int_state_at_evaluation') }}),

snapshot as (

    select
        keys.person_key,
        {{ as_of_date() }} as as_of_date,
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
    left join keys on keys.person_id = state.person_id

)

select * from snapshot
order by person_key
