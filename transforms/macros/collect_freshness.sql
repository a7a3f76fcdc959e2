{#
    `dbt source freshness` at the run's point in time: the latest loaded_at_field recorded
    on or before the as-of date of the run (and kept by the source's filter, if any),
    measured against the end of the as-of day (Vietnam, the session TimeZone) or now,
    whichever is earlier. dbt's own
    macro measures against now, which judges a backfill by today's clock. A source with no
    record at all reports the epoch (so it is stale, not a runtime error).
#}
{% macro duckdb__collect_freshness(source, loaded_at_field, filter) %}
  {% call statement('collect_freshness', fetch_result=True, auto_begin=False) -%}
    select
      coalesce(max({{ loaded_at_field }}), timestamptz '1970-01-01 00:00:00+00') as max_loaded_at,
      least(
        {{ current_timestamp() }},
        cast({{ run_file_as_of_date() }} + 1 as timestamptz)
      ) as snapshotted_at
    from {{ source }}
    where cast({{ loaded_at_field }} as date) <= {{ run_file_as_of_date() }}
    {% if filter %}
    and ({{ filter }})
    {% endif %}
  {% endcall %}
  {{ return(load_result('collect_freshness')) }}
{% endmacro %}
