-- The people whose rows a model that carries rows (macro carries_rows) must compute again at
-- a carried date (int_evaluation_scope: carried_from_date -> carried_to_date): those with
-- an event dated from the old date to the new one, by any of its dates. Such a model's row
-- depends on the evaluation date only through comparisons of its events' dates with it
-- (`event_date <= evaluation_date`, a status's `end_date >= evaluation_date`), so it is the
-- same at both dates unless one of those dates lies between them. The events are every
-- type the carrying models read; an event recorded since the basis recomputes its person
-- anyway (int_evaluation_scope.recomputed_person_id), so this matters for the events
-- recorded earlier and dated later: a special status's end, a grade or release dated ahead.
{%- set event_dates = [
    ('stg_court__amnesty_grants', 'effective_date'),
    ('stg_court__case_reviews', 'review_date'),
    ('stg_court__prosecutions', 'prosecution_date'),
    ('stg_court__sentence_amendments', 'decision_date'),
    ('stg_court__sentence_reductions', 'decision_date'),
    ('stg_court__sentences_imposed', 'judgment_date'),
    ('stg_court__sentences_imposed', 'arrest_date'),
    ('stg_court__sentences_quashed', 'quashed_date'),
    ('stg_facility__admissions', 'admission_date'),
    ('stg_facility__behaviour_grades', 'graded_date'),
    ('stg_facility__disciplinary_records', 'discipline_date'),
    ('stg_facility__escapes', 'escape_date'),
    ('stg_facility__hardship_certificates', 'certified_date'),
    ('stg_facility__health_assessments', 'assessed_date'),
    ('stg_facility__obligation_discharges', 'discharged_date'),
    ('stg_facility__obligation_payments', 'paid_date'),
    ('stg_facility__releases', 'release_date'),
    ('stg_facility__special_statuses', 'start_date'),
    ('stg_facility__special_statuses', 'end_date'),
    ('stg_facility__transfers', 'transfer_date'),
    ('stg_facility__work_release_movements', 'movement_date'),
] %}
with

carried as (

    select
        carried_from_date,
        carried_to_date
    from {{ ref('int_evaluation_scope') }}
    where carried_from_date is not null

),

event_dates as (

    {% for model, column in event_dates %}
        select
            person_id,
            {{ column }} as event_date
        from {{ ref(model) }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select distinct event_dates.person_id
    from event_dates
    inner join carried
        on event_dates.event_date between carried.carried_from_date and carried.carried_to_date

)

select * from final
