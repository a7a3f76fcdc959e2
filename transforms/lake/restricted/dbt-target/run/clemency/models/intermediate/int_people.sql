
    

    create  table
      "warehouse"."main"."int_people__dbt_tmp"
  
    
    as (
      -- One row per person: who they are, from their first admission.
with

admissions as (

    select * from "warehouse"."main"."stg_facility__admissions"

),

first_admission as (

    select * from admissions
    qualify row_number() over (
        partition by person_id order by admission_date, recorded_at, event_id
    ) = 1

),

people as (

    select
        person_id,
        birth_date,
        sex,
        nationality,
        residence_province,
        prior_convictions,
        is_dangerous_recidivist,
        event_id as admission_event_id
    from first_admission

)

select * from people
    );
    
  