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

{#
    The decision of docs/contracts.md section 3, the same for every programme:
    excluded    an absolute bar is unmet (or cannot be judged: null counts as unmet);
    eligible    nothing is unmet;
    almost_eligible  exactly one criterion is unmet, it is time-based, and it will be met
                within the window (`time_based` maps its code to that window's column);
    ineligible  otherwise.
#}
{% macro decision_status(bars, time_based) %}
    case
        when not (
            {%- for bar in bars %} coalesce({{ bar }}, false){{ " and" if not loop.last }}{% endfor %}
        ) then 'excluded'
        when len(unmet_criteria) = 0 then 'eligible'
        {%- for code, within_window in time_based.items() %}
        when unmet_criteria = ['{{ code }}'] and {{ within_window }} then 'almost_eligible'
        {%- endfor %}
        else 'ineligible'
    end
{% endmacro %}
