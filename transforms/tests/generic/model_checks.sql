{% test model_checks(model, not_null=[], keys=[], accepted_values={}) %}
{#
    Every check of a model's columns in one test node: its required columns, its keys and
    its closed lists of values. dbt's overhead of a node (compiling it, running it, writing
    its result: 30-40 ms of Python) was most of a steady build's fixed cost when each was a
    node of its own (one per column, then one per kind of check and model). One statement:
    one scan of the model counts the nulls and the unexpected values, one group by a key
    counts its duplicates.

    Fails with one row per check that fails: `check_kind` ('null', 'duplicated' or
    'unexpected'), `column_names` (the column, or a key's columns as `round_id, person_key`)
    and `failures` (the rows, or the duplicated key values). Never a value of the model (the
    models hold personal data): column names and counts only, so `clemency transform` can
    print them (`_failed_checks` in clemency/transform/dbt.py).

    - `not_null`: the columns that must have a value; a row where one is null fails.
    - `keys`: a list of column lists. A key of one column is checked as dbt's `unique` does
      (rows where it is null are left out: nulls are never duplicates); a key of several
      columns as dbt-utils' `unique_combination_of_columns`: a plain group by, where nulls
      are grouped together (two rows with the same values and a null in the same column are
      duplicates).
    - `accepted_values`: a column's closed list of values, or dbt's arguments of
      `accepted_values` (`{values: [...], quote: false}`: unquoted values). As there, a row
      is unexpected when `<column> not in (<values>)` holds, so nulls are never unexpected.
#}
{%- if not (not_null or keys or accepted_values) %}
    {{ exceptions.raise_compiler_error("model_checks: nothing to check (no not_null, keys or accepted_values)") }}
{%- endif %}
{#- the failing rows' checks, in order: (check_kind, columns, cte, count) #}
{%- set checks = [] %}
{%- for column in not_null %}
    {%- do checks.append(('null', [column], 'counted', 'nulls_' ~ loop.index)) %}
{%- endfor %}
{%- for key in keys %}
    {%- do checks.append(('duplicated', key, 'duplicated_' ~ loop.index, 'count(*)')) %}
{%- endfor %}
{%- for column in accepted_values %}
    {%- do checks.append(('unexpected', [column], 'counted', 'unexpected_' ~ loop.index)) %}
{%- endfor %}
{%- set counts = not_null | length + accepted_values | length %}
with

{% if counts -%}
counted as (

    select
        {%- for column in not_null %}
        {{- ' ' if counts == 1 else '\n        ' -}}
        count(*) filter (where {{ column }} is null) as nulls_{{ loop.index }}
        {{- ',' if not (loop.last and not accepted_values) }}
        {%- endfor %}
        {%- for column, accepted in accepted_values.items() %}
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

{% endif -%}
{% for key in keys -%}
duplicated_{{ loop.index }} as (

    select count(*) as occurrences
    from {{ model }}
    {%- if key | length == 1 %}
    where {{ key[0] }} is not null
    {%- endif %}
    group by
        {%- for column in key %}
        {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    having count(*) > 1

),

{% endfor -%}
checked as (
{% for check_kind, columns, cte, count in checks %}
    select
        '{{ check_kind }}' as check_kind,
        {%- if columns | length == 1 %}
        '{{ columns[0] }}' as column_names,
        {%- else %}
        concat_ws(
            ', ',
            {%- for column in columns %}
            '{{ column }}'{{ ',' if not loop.last }}
            {%- endfor %}
        ) as column_names,
        {%- endif %}
        {{ count }} as failures
    from {{ cte }}
    {%- if not loop.last %}
    union all
    {%- endif %}
{%- endfor %}

)

select
    check_kind,
    column_names,
    failures
from checked
where failures > 0
{% endtest %}
