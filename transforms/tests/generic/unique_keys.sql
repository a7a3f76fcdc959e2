{% test unique_keys(model, keys) %}
{#
    One test for every key of a model (`keys`: a list of column lists), instead of one
    `unique` node per key column and one `unique_combination` node per key of several
    columns (dbt's per-node overhead). Fails with one row per key that has duplicates: its
    columns as text (`round_id, person_key`) and how many of its values occur more than
    once. Never a value of the model (the models hold personal data): column names and
    counts only, so `clemency transform` can print them.

    Nulls are those of the tests it replaced, by the key's length:
    - a key of one column is checked as dbt's `unique` does: rows where it is null are left
      out (nulls are never duplicates);
    - a key of several columns as `unique_combination` (seeds still use it) does: a plain
      group by, where nulls are grouped together (two rows with the same values and a null
      in the same column are duplicates).
#}
with

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
per_key as (

    {%- for key in keys %}
    select
        concat_ws(
            ', ',
            {%- for column in key %}
            '{{ column }}'{{ ',' if not loop.last }}
            {%- endfor %}
        ) as key_columns,
        count(*) as duplicated_keys
    from duplicated_{{ loop.index }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

)

select
    key_columns,
    duplicated_keys
from per_key
where duplicated_keys > 0
{% endtest %}
