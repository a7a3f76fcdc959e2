
  
  create view "warehouse"."main"."stg_court__sentences_imposed__dbt_tmp" as (
    with

source as (

    
    select
        event_id,
        person_id,
        entity_key,
        occurred_at,
        recorded_at,
        source_id,
        payload,
        kafka_topic,
        kafka_partition,
        kafka_offset
    from "warehouse"."main"."stg_raw__court_deliveries"
    where is_first_delivery
        and event_type = 'sentence.imposed'
        and cast(recorded_at as date) <= (select max(as_of_date) from "warehouse"."main"."stg_run__as_of_dates")


),

renamed as (

    select
        ---------- ids
        event_id,
        person_id,
        payload ->> '$.case_id' as case_id,
        payload ->> '$.court_id' as court_id,

        ---------- sentence
        payload -> '$.offences' as offences,
        cast(payload ->> '$.term_months' as integer) as term_months,
        coalesce(cast(payload ->> '$.life' as boolean), false) as is_life,
        coalesce(cast(payload ->> '$.corruption' as boolean), false) as is_corruption,

        ---------- amounts
        cast(payload ->> '$.fine_vnd' as bigint) as fine_vnd,
        cast(payload ->> '$.court_fee_vnd' as bigint) as court_fee_vnd,
        cast(payload ->> '$.compensation_vnd' as bigint) as compensation_vnd,

        ---------- dates
        cast(payload ->> '$.judgment_date' as date) as judgment_date,
        cast(payload ->> '$.arrest_date' as date) as arrest_date,
        occurred_at,
        recorded_at,

        ---------- lineage
        kafka_topic,
        kafka_partition,
        kafka_offset

    from source

)

select * from renamed
  );
