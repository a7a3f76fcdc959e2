

select kafka_topic, recorded_date, count(*) as occurrences
from "warehouse"."main"."landed_events_daily"
group by kafka_topic, recorded_date
having count(*) > 1
