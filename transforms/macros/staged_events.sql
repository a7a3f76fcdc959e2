{#
    The import CTE every staging model starts from: one event type of one raw topic,

    * point in time: only events recorded on or before the run's as-of date, so a late
      event changes later snapshots and never an earlier one;
    * duplicates removed: raw keeps every delivery, staging keeps the first delivery of
      each event_id (lowest topic/partition/offset).

    Lineage columns (kafka_topic, kafka_partition, kafka_offset) are kept for the marts.
#}
{% macro staged_events(source_table, event_type) %}
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
    from {{ source('raw', source_table) }}
    where event_type = '{{ event_type }}'
        and cast(recorded_at as date) <= cast('{{ var("as_of") }}' as date)
    qualify row_number() over (
        partition by event_id order by kafka_topic, kafka_partition, kafka_offset
    ) = 1
{% endmacro %}
