{{ config(location=var('lake') ~ '/curated/source_freshness.parquet') }}

-- dbt source freshness of every raw source at the run's point in time, computed in the
-- build (no second dbt process): per source table, the latest `loaded_at_field` recorded
-- on or before the as-of date (Vietnam day; the epoch when there is none), its age at the
-- end of that day or now, whichever is earlier, and dbt's status for the source's own
-- warn_after / error_after (models/staging/__sources.yml, the only place they are set):
-- error past error_after, else warn past warn_after, else pass. The same rule as macro
-- duckdb__collect_freshness, which `dbt source freshness` still uses when run by hand.
--
-- Every table of source `raw`, judged below with the rules macro raw_freshness_rules()
-- reads from the graph at execution time; named here too because dbt learns a model's
-- parents when it parses it, before there is a graph (tests/test_dbt_project.py checks
-- that the two lists agree):
-- depends_on: {{ source('raw', 'court_events') }}
-- depends_on: {{ source('raw', 'facility_events') }}
-- depends_on: {{ source('raw', 'reference_events') }}

{#- a threshold as the mart shows it ('2 day') and in seconds (DuckDB reads the text as an
    interval: dbt's periods minute, hour and day are interval units), or null when not set -#}
{% set rules = [] %}
{% for rule in raw_freshness_rules() %}
    {% set limits = {} %}
    {% for kind in ['warn_after', 'error_after'] %}
        {% set threshold = rule[kind] or {} %}
        {% if threshold.count is not none and threshold.period %}
            {% do limits.update({
                kind: "'" ~ threshold.count ~ " " ~ threshold.period ~ "'",
                kind ~ '_seconds': "epoch(interval '" ~ threshold.count ~ " " ~ threshold.period ~ "')",
            }) %}
        {% else %}
            {% do limits.update({kind: 'cast(null as varchar)', kind ~ '_seconds': 'null'}) %}
        {% endif %}
    {% endfor %}
    {% do rules.append(dict(rule, **limits)) %}
{% endfor %}

with

as_of as (

    select
        {{ as_of_date() }} as as_of_date,
        least(current_timestamp, cast({{ as_of_date() }} + 1 as timestamptz)) as snapshotted_at

),

{% for rule in rules %}
    {{ rule.table_name }} as (

        select
            '{{ rule.source_name }}' as source_name,
            '{{ rule.table_name }}' as table_name,
            -- a source with no record by the as-of date: the epoch, so it is stale
            coalesce(
                max(loaded.{{ rule.loaded_at_field }}), timestamptz '1970-01-01 00:00:00+00'
            ) as max_loaded_at,
            {{ rule.warn_after }} as warn_after,
            {{ rule.error_after }} as error_after,
            {{ rule.warn_after_seconds }} as warn_after_seconds,
            {{ rule.error_after_seconds }} as error_after_seconds
        from {{ source(rule.source_name, rule.table_name) }} as loaded
        where
            cast(loaded.{{ rule.loaded_at_field }} as date)
            <= (select as_of.as_of_date from as_of)
            and ({{ rule.filter or 'true' }})  -- the source's freshness filter, if any

    ),

{% endfor %}
latest as (

    {% for rule in rules %}
        select * from {{ rule.table_name }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

judged as (

    select
        latest.source_name,
        latest.table_name,
        latest.warn_after,
        latest.error_after,
        latest.warn_after_seconds,
        latest.error_after_seconds,
        as_of.snapshotted_at,
        as_of.as_of_date,
        latest.max_loaded_at,
        (epoch_us(as_of.snapshotted_at) - epoch_us(latest.max_loaded_at)) / 1e6 as age_seconds
    from latest
    cross join as_of

)

select
    source_name,
    table_name,
    -- dbt's rule: past a threshold, not at it
    case
        when age_seconds > error_after_seconds then 'error'
        when age_seconds > warn_after_seconds then 'warn'
        else 'pass'
    end as status,
    max_loaded_at,
    snapshotted_at,
    age_seconds / 3600 as age_hours,
    warn_after,
    error_after,
    as_of_date
from judged
order by source_name, table_name
