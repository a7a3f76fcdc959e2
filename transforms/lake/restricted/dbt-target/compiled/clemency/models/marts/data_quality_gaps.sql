

-- Referential gaps between the sources, counted (never listed): each kind of gap keeps the
-- decisions it touches, with the missing parts unknown, and is shown in the reports'
-- data-quality annex; only a share above var('max_referential_gap_share') fails the build
-- (tests/referential_gaps_within_share.sql).
with

facilities as (

    select * from "warehouse"."main"."stg_reference__facilities"

),

admissions as (

    select * from "warehouse"."main"."stg_facility__admissions"

),

transfers as (

    select * from "warehouse"."main"."stg_facility__transfers"

),

sentences as (

    select * from "warehouse"."main"."stg_court__sentences_imposed"

),

grades as (

    select * from "warehouse"."main"."stg_facility__behaviour_grades"

),

registered as (

    select distinct facility_id from facilities

),

admitted as (

    select distinct person_id from admissions

),


    admission_to_unregistered_facility as (

        select
            'admission_to_unregistered_facility' as gap,
            count(admissions.event_id)
            filter (where registered.facility_id is null) as gap_rows,
            count(admissions.event_id) as checked_rows
        from admissions
        left join registered
            on admissions.facility_id = registered.facility_id

    ),


    transfer_to_unknown_facility as (

        select
            'transfer_to_unknown_facility' as gap,
            count(transfers.event_id)
            filter (where registered.facility_id is null) as gap_rows,
            count(transfers.event_id) as checked_rows
        from transfers
        left join registered
            on transfers.to_facility_id = registered.facility_id

    ),


    sentence_without_admission as (

        select
            'sentence_without_admission' as gap,
            count(sentences.event_id)
            filter (where admitted.person_id is null) as gap_rows,
            count(sentences.event_id) as checked_rows
        from sentences
        left join admitted
            on sentences.person_id = admitted.person_id

    ),


    facility_event_for_person_never_admitted as (

        select
            'facility_event_for_person_never_admitted' as gap,
            count(grades.event_id)
            filter (where admitted.person_id is null) as gap_rows,
            count(grades.event_id) as checked_rows
        from grades
        left join admitted
            on grades.person_id = admitted.person_id

    ),


unioned as (

    
        select * from admission_to_unregistered_facility
        union all
    
        select * from transfer_to_unknown_facility
        union all
    
        select * from sentence_without_admission
        union all
    
        select * from facility_event_for_person_never_admitted
        
    

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
        (select max(as_of_date) from "warehouse"."main"."stg_run__as_of_dates") as as_of_date
    from unioned

)

select * from final