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
