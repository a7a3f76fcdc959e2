{% test not_null_columns(model, columns) %}
{#
    One test for every required column of a model, instead of one `not_null` node per
    column (dbt's per-node overhead made those most of a steady build's fixed cost). One
    scan of the model; fails with one row per column that has nulls, its name and the rows
    it is null in, so a failure says which column (`clemency transform` prints them).
#}
with

counted as (

    select
        {%- for column in columns %}
        {{- ' ' if loop.length == 1 else '\n        ' -}}
        count(*) filter (where {{ column }} is null) as nulls_{{ loop.index }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ model }}

),

per_column as (

    {{- per_column_counts(columns, 'nulls', 'null_rows') }}

)

select
    column_name,
    null_rows
from per_column
where null_rows > 0
{% endtest %}
