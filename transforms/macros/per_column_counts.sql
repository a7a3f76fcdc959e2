{% macro per_column_counts(columns, counts, count_name) %}
{#-
    The one row per column of a column test's counts (`<counts>_<n>` in cte `counted`, in
    the order of `columns`): `column_name` and the count as `count_name`. Shared by
    not_null_columns and accepted_values_columns (transforms/tests/generic/).
#}
    {%- for column in columns %}
    select
        '{{ column }}' as column_name,
        {{ counts }}_{{ loop.index }} as {{ count_name }}
    from counted
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}
