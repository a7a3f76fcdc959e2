{% test accepted_values_columns(model, columns) %}
{#
    One test for every column of a model with a closed list of values, instead of one
    `accepted_values` node per column (dbt's per-node overhead). `columns` maps a column to
    its values, or to dbt's arguments of `accepted_values` (`{values: [...], quote: false}`:
    unquoted values). One scan of the model; fails with one row per column that has a value
    outside its list: its name and the rows that have one. Never a value of the model (the
    models hold personal data), so `clemency transform` can print them.

    As dbt's `accepted_values`: a row is unexpected when `<column> not in (<values>)` holds,
    so nulls are never unexpected (`null not in (...)` is null).
#}
with

counted as (

    select
        {%- for column, accepted in columns.items() %}
        {%- set values = accepted['values'] if accepted is mapping else accepted %}
        {%- set quote = accepted.get('quote', true) if accepted is mapping else true %}
        count(*) filter (
            where {{ column }} not in (
                {%- for value in values %}
                {{ "'" ~ value ~ "'" if quote else value }}{{ ',' if not loop.last }}
                {%- endfor %}
            )
        ) as unexpected_{{ loop.index }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ model }}

),

per_column as (

    {{- per_column_counts(columns, 'unexpected', 'unexpected_rows') }}

)

select
    column_name,
    unexpected_rows
from per_column
where unexpected_rows > 0
{% endtest %}
