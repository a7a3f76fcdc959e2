{#
    The marts' materialization: the model's query written straight to its Parquet file
    (config `location`), and a view of that file in the warehouse, which the mart's data
    tests and the models after it read.

    dbt-duckdb's `external` materialization builds the query into a table of the warehouse
    file, counts it, copies it to the Parquet file and drops it: at national scale
    (amnesty_eligibility, 474,000 rows) that table's blocks cost a second of the build,
    written to the warehouse file for nothing. Here the rows go to a temporary table (in
    memory, spilled past the memory limit), never to the warehouse file. It also writes a
    row of nulls for a model with no row (so its view has columns); a COPY of no row writes
    a file with the columns and no row. DuckDB writes the file beside and renames it over the old one, so a
    reader sees the old file or the new one.
#}
{% materialization parquet_mart, adapter='duckdb' %}
    {%- set location = render(config.require('location')) -%}
    {%- set target_relation = this.incorporate(type='view') -%}
    {%- set existing_relation = load_cached_relation(this) -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {#- the rows in a temporary table first: a COPY straight from the query would mark a
        column required where the plan's statistics know it has no null, which differs
        between a table built whole and one appended to (an incremental chain would not
        write the bytes a full refresh writes) -#}
    {%- set rows = adapter.quote(this.identifier ~ '__rows') -%}
    {% call statement('rows') -%}
        create or replace temporary table {{ rows }} as (
            {{ compiled_code }}
        )
    {%- endcall %}
    {% call statement('main') -%}
        copy {{ rows }} to '{{ location }}' (format parquet)
    {%- endcall %}
    {% call statement('drop_rows') -%}
        drop table {{ rows }}
    {%- endcall %}

    {%- if existing_relation is not none and existing_relation.type != 'view' %}
    {{ drop_relation_if_exists(existing_relation) }}
    {%- endif %}
    {% call statement('view') -%}
        create or replace view {{ target_relation }} as
        select * from read_parquet('{{ location }}')
    {%- endcall %}

    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {% do persist_docs(target_relation, model) %}
    {{ adapter.commit() }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}

    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
