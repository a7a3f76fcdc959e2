



with

deliveries as (

    select
        * exclude (filename),
        filename as source_file
    from read_parquet('/work/main/lake/raw/court.events/*/*.parquet', union_by_name = true, filename = true)
    where
        false

),

-- the deliveries already staged of every event_id the new files bring: judged again
already_staged as (

    select * exclude (is_first_delivery) from "warehouse"."main"."stg_raw__court_deliveries"
    where event_id in (select deliveries.event_id from deliveries)

),

candidates as (

    select * from already_staged
    union all by name
    select * from deliveries

),

flagged as (

    select
        *,
        row_number() over (
            partition by event_id order by kafka_topic, kafka_partition, kafka_offset
        ) = 1 as is_first_delivery
    from candidates

)

select * from flagged

