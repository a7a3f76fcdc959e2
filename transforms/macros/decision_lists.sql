{#
    met / unmet criterion lists from (code, meets_column) pairs, in the order given:
    `unmet_criteria` lists every criterion that failed, not the first one.
    Informational criteria are listed when met and never count as unmet.
#}
{% macro criteria_list(criteria, want_met) %}
    list_transform(
        list_filter(
            [
                {%- for code, column in criteria %}
                {'code': '{{ code }}', 'met': coalesce({{ column }}, false)}{{ "," if not loop.last }}
                {%- endfor %}
            ],
            lambda c: c.met = {{ 'true' if want_met else 'false' }}
        ),
        lambda c: c.code
    )
{% endmacro %}
