
    
    



select kafka_topic
from "warehouse"."main"."landed_events_daily"
where kafka_topic is null


