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
    {%- if incremental -%}
    (
        {{ evaluation_date }} not in (
            select kept_evaluation_date from {{ scope }} where kept_evaluation_date is not null
        )
        or {{ person_id }} in (
            select recomputed_person_id from {{ scope }} where recomputed_person_id is not null
        )
    )
    {%- else -%}
    true
    {%- endif -%}
{%- endmacro %}

{#
    The pre-hook of a person-level model: the rows this build recomputes leave the table
    first (also those of evaluation dates no longer evaluated), then the model's rows are
    appended (incremental_strategy append).
#}
{% macro forget_recomputed() -%}
    {%- if is_incremental() -%}
    delete from {{ this }} where {{ recomputed('person_id', 'evaluation_date') }}
    {%- endif -%}
{%- endmacro %}
