
    
    



select kafka_topic
from "warehouse"."main"."stg_raw__landed_events"
where kafka_topic is null


