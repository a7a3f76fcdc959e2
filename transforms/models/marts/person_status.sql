{{ config(location=var('lake') ~ '/curated/person_status.parquet') }}

-- One row per person known at the as-of date: custody, sentence and progress, keyed by
-- pseudonym only. The current snapshot analysts start from.
with

points as (

    select evaluation_date from {{ ref('int_evaluation_points') }} where program = 'status'

),

custody as (select * from {{ ref('int_custody_at_evaluation') }}),
sentences as (select * from {{ ref('int_sentences_at_evaluation') }}),
served as (select * from {{ ref('int_time_served') }}),
behaviour as (select * from {{ ref('int_behaviour_at_evaluation') }}),
people as (select * from {{ ref('int_people') }}),
history as (select * from {{ ref('int_person_history_at_evaluation') }}),

snapshot as (

    select
        person_key(custody.person_id) as person_key,
        cast('{{ var("as_of") }}' as date) as as_of_date,
        custody.is_in_custody,
        served.is_suspended,
        custody.release_date,
        custody.release_reason,
        custody.facility_id,
        custody.agency,
        custody.province,
        people.sex,
        people.nationality,
        sentences.is_life,
        sentences.is_life_reduced_to_term,
        sentences.imposed_term_months,
        sentences.effective_term_months,
        sentences.is_quashed,
        served.served_months,
        behaviour.latest_grade,
        behaviour.consecutive_good_quarters,
        history.amnestied_rounds,
        history.is_placed_on_work_release
    from custody
    inner join points using (evaluation_date)
    inner join people using (person_id)
    left join sentences using (person_id, evaluation_date)
    left join served using (person_id, evaluation_date)
    left join behaviour using (person_id, evaluation_date)
    left join history using (person_id, evaluation_date)

)

select * from snapshot order by person_key
