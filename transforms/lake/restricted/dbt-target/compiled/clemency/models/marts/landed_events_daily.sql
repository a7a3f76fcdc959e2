

-- Records landed per topic and day they were recorded (Vietnam), up to the as-of date:
-- the data-quality annex's events per topic and day.
with

landed as (

    select * from "warehouse"."main"."stg_raw__landed_events"

),

counted as (

    select
        kafka_topic,
        recorded_date,
        count(*) as events,
        max(recorded_at) as latest_recorded_at
    from landed
    group by kafka_topic, recorded_date

)

select
    *,
    (select max(as_of_date) from "warehouse"."main"."stg_run__as_of_dates") as as_of_date
from counted
order by kafka_topic, recorded_date