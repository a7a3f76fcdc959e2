
    

    create  table
      "warehouse"."main"."int_suspension_spans__dbt_tmp"
  
    
    as (
      -- Periods when serving was temporarily suspended (they do not count as time served).
-- A span ends at the first recorded end, else at the end date the court set, else open.
with

suspensions as (

    select * from "warehouse"."main"."stg_court__suspensions"

),

ends as (

    select * from "warehouse"."main"."stg_court__suspension_ends"

),

spans as (

    select
        suspensions.person_id,
        suspensions.case_id,
        suspensions.start_date,
        coalesce(min(ends.ended_date), suspensions.end_date) as end_date,
        suspensions.event_id
    from suspensions
    left join ends
        on ends.case_id = suspensions.case_id
        and ends.person_id = suspensions.person_id
        and ends.ended_date >= suspensions.start_date
    group by
        suspensions.person_id,
        suspensions.case_id,
        suspensions.start_date,
        suspensions.end_date,
        suspensions.event_id

)

select * from spans
    );
    
  