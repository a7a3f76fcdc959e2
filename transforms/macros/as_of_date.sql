{#
    The build's as-of date, as a scalar SQL expression. It comes from a one-row relation
    that `clemency transform` writes before each build (stg_run__as_of_dates), not from a
    dbt var: dbt re-parses the whole project whenever a var changes, and the compiled SQL
    of every model would change with the date. A unit test gives the date as the rows of
    ref('stg_run__as_of_dates').
#}
{% macro as_of_date() -%}
    (select max(as_of_date) from {{ ref('stg_run__as_of_dates') }})
{%- endmacro %}

{#
    The same date read straight from the run file, for what runs outside a model's graph:
    `dbt source freshness` (macro duckdb__collect_freshness) has no ref() to a model. The
    path is source `run.as_of_dates`'s external_location (models/staging/__sources.yml).
#}
{% macro run_file_as_of_date() -%}
    (select max(cast(as_of_date as date)) from read_json('{{ var("lake") }}/as_of_dates.json', format = 'array'))
{%- endmacro %}
