
  
  create view "warehouse"."main"."stg_reference__amnesty_rounds__dbt_tmp" as (
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
    from "warehouse"."main"."stg_raw__reference_deliveries"
    where is_first_delivery
        and event_type = 'amnesty_round.declared'
        and cast(recorded_at as date) <= (select max(as_of_date) from "warehouse"."main"."stg_run__as_of_dates")


),

latest as (

    -- a round declared again later (a corrected decision) replaces its earlier record
    select * from source
    qualify row_number() over (
        partition by entity_key order by recorded_at desc, event_id desc
    ) = 1

),

renamed as (

    select
        ---------- ids
        entity_key as round_id,
        payload ->> '$.decision_no' as decision_no,
        payload ->> '$.rule_version' as rule_version,

        ---------- dates
        cast(payload ->> '$.signed_date' as date) as signed_date,
        cast(payload ->> '$.cutoff_date' as date) as cutoff_date,
        occurred_at,
        recorded_at,

        ---------- lineage
        event_id,
        kafka_topic,
        kafka_partition,
        kafka_offset

    from latest

)

select * from renamed
  );
