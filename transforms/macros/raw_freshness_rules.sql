{#
    The freshness rule of every table of source `raw`, read from the graph at execution time
    (models/staging/__sources.yml is the only place the rules are set): a list of
    {source_name, table_name, loaded_at_field, filter, warn_after, error_after}, each
    threshold a {count, period} (or none), sorted by table. Model source_freshness judges
    the sources with them. dbt's unit tests have no graph: they give the rules as an
    override of this macro.
#}
{% macro raw_freshness_rules() %}
    {%- set rules = [] -%}
    {%- if execute -%}
        {%- for node in graph.sources.values() | sort(attribute='name') if node.source_name == 'raw' -%}
            {%- set freshness = node.freshness or {} -%}
            {%- do rules.append({
                'source_name': node.source_name,
                'table_name': node.name,
                'loaded_at_field': node.loaded_at_field,
                'filter': freshness.filter,
                'warn_after': freshness.warn_after,
                'error_after': freshness.error_after,
            }) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(rules) }}
{% endmacro %}
