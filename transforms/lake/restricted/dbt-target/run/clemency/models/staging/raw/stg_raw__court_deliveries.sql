
        
            delete from "warehouse"."main"."stg_raw__court_deliveries"
            where (
                event_id) in (
                select (event_id)
                from "stg_raw__court_deliveries__dbt_tmp20261201175745590963"
            );

        
    

    insert into "warehouse"."main"."stg_raw__court_deliveries" ("event_id", "event_type", "schema_version", "occurred_at", "recorded_at", "source_system", "source_id", "person_id", "entity_key", "payload", "kafka_topic", "kafka_partition", "kafka_offset", "kafka_key", "kafka_timestamp", "kafka_headers", "partition", "source_file", "is_first_delivery")
    (
        select "event_id", "event_type", "schema_version", "occurred_at", "recorded_at", "source_system", "source_id", "person_id", "entity_key", "payload", "kafka_topic", "kafka_partition", "kafka_offset", "kafka_key", "kafka_timestamp", "kafka_headers", "partition", "source_file", "is_first_delivery"
        from "stg_raw__court_deliveries__dbt_tmp20261201175745590963"
    )
  