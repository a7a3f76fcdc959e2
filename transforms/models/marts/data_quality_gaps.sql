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

admitted as (

    select distinct person_id from admissions

),

admissions_to_unregistered as (

    select
        'admission_to_unregistered_facility' as gap,
        count(admissions.event_id) filter (where facilities.facility_id is null) as gap_rows,
        count(admissions.event_id) as checked_rows
    from admissions
    left join facilities using (facility_id)

),

transfers_to_unknown as (

    select
        'transfer_to_unknown_facility' as gap,
        count(*) filter (where facilities.facility_id is null) as gap_rows,
        count(*) as checked_rows
    from transfers
    left join facilities on transfers.to_facility_id = facilities.facility_id

),

sentences_without_admission as (

    select
        'sentence_without_admission' as gap,
        count(sentences.event_id) filter (where admitted.person_id is null) as gap_rows,
        count(sentences.event_id) as checked_rows
    from sentences
    left join admitted using (person_id)

),

grades_for_people_never_admitted as (

    select
        'facility_event_for_person_never_admitted' as gap,
        count(grades.event_id) filter (where admitted.person_id is null) as gap_rows,
        count(grades.event_id) as checked_rows
    from grades
    left join admitted using (person_id)

),

unioned as (

    select * from admissions_to_unregistered
    union all
    select * from transfers_to_unknown
    union all
    select * from sentences_without_admission
    union all
    select * from grades_for_people_never_admitted

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
        cast('{{ var("as_of") }}' as date) as as_of_date
    from unioned

)

select * from final
