{#
    Person-level incremental builds. The person-level models (dbt_project.yml, &person_level:
    one row per person and evaluation date) are incremental tables: a build recomputes only
    the rows whose result can have changed since the build they were computed for (source
    run.evaluation_basis), and keeps the others. A row of person P at evaluation date E is a
    function of P's events recorded by the as-of date, of E and of what E requires (its
    evaluation points), and of the reference data, seeds and models. So it is recomputed when

      * E is not a kept date: it moved (the work-release and status points are at the
        as-of date itself) or its points changed (a newly signed round), or nothing is kept
        at all (model int_evaluation_scope: the reference data changed, no basis);
      * or P is a recomputed person: an event of P was recorded since the basis's as-of
        date, or came in a raw file the basis had not staged (a late or republished event).

    A model that carries rows (meta carries_rows in dbt_project.yml) moves its rows of a
    date that moved to the date it moved to (int_evaluation_scope: carried_from_date ->
    carried_to_date) instead of computing them again, but for the people with an event
    dated between the two (int_carry_exceptions) and the recomputed people. Its meta says
    what its rows depend on besides the person's events:

      * `dates`: the evaluation date only, through comparisons of event dates with it
        (`judgment_date <= evaluation_date`): any carried pair;
      * `dates_and_points`: also the date's points (the behaviour quarter required): only a
        pair judged by the same points (same_points: not across the end of a quarter).

    The next day's build thus computes the rows at the new as-of date only for the few
    people whose records changed by then.

    Without a basis, `clemency transform` drops these tables before the build
    (clemency/transform/person_level.py), so dbt builds them whole, as any table.

    recomputed(person_id, evaluation_date): whether a row is recomputed by this build, as a
    SQL condition on the two columns; `true` when the model is built whole (not
    is_incremental()). A model applies it to its inputs where they meet the evaluation dates,
    so it computes only those rows.
#}
{% macro recomputed(person_id, evaluation_date) -%}
    {#- a unit test has no `this` (unless it gives one, overriding is_incremental) -#}
    {%- set incremental = execute and this is not none and is_incremental() -%}
    {#- the ref is taken at parse time (not execute), so dbt knows the dependency; not when the
        model is built whole, so a unit test of the model needs no input for it -#}
    {%- if not execute or incremental -%}
    {%- set scope = ref('int_evaluation_scope') -%}
    {%- endif -%}
    {#- at parse time config knows no meta: every person-level model depends on both -#}
    {%- if not execute or (incremental and carries_rows()) -%}
    {%- set carry_exceptions = ref('int_carry_exceptions') -%}
    {%- endif -%}
    {%- if incremental -%}
    {%- set carrying = carries_rows() -%}
    (
        (
            {{ evaluation_date }} not in (
                select kept_evaluation_date from {{ scope }} where kept_evaluation_date is not null
            )
            {%- if carrying %}
            and {{ evaluation_date }} not in (select carried_to_date from ({{ carried_pairs(scope) }}))
            {%- endif %}
        )
        or {{ person_id }} in (
            select recomputed_person_id from {{ scope }} where recomputed_person_id is not null
        )
        {%- if carrying %}
        or (
            {{ evaluation_date }} in (select carried_to_date from ({{ carried_pairs(scope) }}))
            and {{ person_id }} in (select person_id from {{ carry_exceptions }})
        )
        {%- endif %}
    )
    {%- else -%}
    true
    {%- endif -%}
{%- endmacro %}

{#
    The pre-hook of a person-level model: a model that carries rows first moves them to the
    dates they are carried to; then the rows this build recomputes leave the table (also
    those of evaluation dates no longer evaluated, and the carried dates' rows it did not
    move), and the model's rows are appended (incremental_strategy append).
#}
{% macro forget_recomputed() -%}
    {%- if is_incremental() -%}
    {%- if carries_rows() -%}
    {%- set scope = ref('int_evaluation_scope') -%}
    update {{ this }} as kept
    set evaluation_date = carried.carried_to_date
    from ({{ carried_pairs(scope) }}) as carried
    where
        kept.evaluation_date = carried.carried_from_date
        -- what would be recomputed at the new date is not moved (the old date's rows left
        -- behind are deleted next, as of a date no longer evaluated)
        and not {{ recomputed('kept.person_id', 'carried.carried_to_date') }};
    {% endif -%}
    delete from {{ this }} where {{ recomputed('person_id', 'evaluation_date') }}
    {%- endif -%}
{%- endmacro %}

{#
    How the model being built carries its rows to a moved evaluation date (see above): its
    meta carries_rows, set in dbt_project.yml (`dates`, `dates_and_points`), or false.
#}
{% macro carries_rows() -%}
    {{- return(config.meta_get('carries_rows', false)) -}}
{%- endmacro %}

{#
    The pairs of dates (carried_from_date, carried_to_date) whose rows the model being built
    carries, as a query of int_evaluation_scope (`scope`).
#}
{% macro carried_pairs(scope) -%}
    select
        carried_from_date,
        carried_to_date
    from {{ scope }}
    where carried_from_date is not null
    {%- if carries_rows() == 'dates_and_points' %} and same_points{% endif %}
{%- endmacro %}
