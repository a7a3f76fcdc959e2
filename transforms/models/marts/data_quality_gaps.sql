{{ config(location=var('lake') ~ '/curated/data_quality_gaps.parquet') }}

-- Referential gaps between the sources, counted (never listed): each kind of gap keeps the
-- decisions it touches, with the missing parts unknown, and is shown in the reports'
-- data-quality annex; only a share above var('max_referential_gap_share') fails the build
-- (tests/referential_gaps_within_share.sql).
with

facilities as (

    select * from {{ ref('stg_reference__facilities') }}

),

admissions as (

    select * from {{ ref('stg_facility__admissions') }}

),

transfers as (

    select * from {{ ref('stg_facility__transfers') }}

),

sentences as (

    select * from {{ ref('stg_court__sentences_imposed') }}

),

grades as (

    select * from {{ ref('stg_facility__behaviour_grades') }}

),

registered as (

    select distinct facility_id from facilities

),

admitted as (

    select distinct person_id from admissions

),

{#- each gap: records of `rows` whose `key` is not among the `known` ones -#}
{%- set gaps = [
    {"gap": "admission_to_unregistered_facility", "rows": "admissions", "key": "facility_id",
     "known": "registered", "known_key": "facility_id"},
    {"gap": "transfer_to_unknown_facility", "rows": "transfers", "key": "to_facility_id",
     "known": "registered", "known_key": "facility_id"},
    {"gap": "sentence_without_admission", "rows": "sentences", "key": "person_id",
     "known": "admitted", "known_key": "person_id"},
    {"gap": "facility_event_for_person_never_admitted", "rows": "grades", "key": "person_id",
     "known": "admitted", "known_key": "person_id"},
] %}

{% for g in gaps %}
    {{ g.gap }} as (

        select
            '{{ g.gap }}' as gap,
            count({{ g.rows }}.event_id)
            filter (where {{ g.known }}.{{ g.known_key }} is null) as gap_rows,
            count({{ g.rows }}.event_id) as checked_rows
        from {{ g.rows }}
        left join {{ g.known }}
            on {{ g.rows }}.{{ g.key }} = {{ g.known }}.{{ g.known_key }}

    ),

{% endfor %}
unioned as (

    {% for g in gaps %}
        select * from {{ g.gap }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        gap,
        gap_rows,
        checked_rows,
        -- a facility no registry event declared means a broken registry feed; a sentence
        -- or a grade ahead of its admission is also a late event, common at a point in time
        gap in ('admission_to_unregistered_facility', 'transfer_to_unknown_facility')
            as stops_the_build_past_share,
        {{ as_of_date() }} as as_of_date
    from unioned

)

select * from final
