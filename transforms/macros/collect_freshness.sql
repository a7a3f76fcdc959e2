{#
    `dbt source freshness` at the run's point in time: the latest loaded_at_field the
    source's filter keeps (recorded on or before the as-of date), measured against the end
    of the as-of day (Vietnam, the session TimeZone) or now, whichever is earlier. dbt's own
    macro measures against now, which judges a backfill by today's clock. A source with no
    record at all reports the epoch (so it is stale, not a runtime error).
#}
{% macro duckdb__collect_freshness(source, loaded_at_field, filter) %}
  {% call statement('collect_freshness', fetch_result=True, auto_begin=False) -%}
    select
      coalesce(max({{ loaded_at_field }}), timestamptz '1970-01-01 00:00:00+00') as max_loaded_at,
      least(
        {{ current_timestamp() }},
        cast(cast('{{ var("as_of") }}' as date) + 1 as timestamptz)
      ) as snapshotted_at
    from {{ source }}
    {% if filter %}
    where {{ filter }}
    {% endif %}
  {% endcall %}
  {{ return(load_result('collect_freshness')) }}
{% endmacro %}
