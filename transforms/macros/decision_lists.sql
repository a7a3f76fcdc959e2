{#
    The decision of docs/contracts.md section 3, the same for every programme, read from the
    criterion catalogue (seeds/rules/criteria.csv): which criteria a programme has, their
    kind, order and the columns that judge them. No criterion is named here.

    decide(criteria, program, keys) is a query over `criteria` (a CTE or relation holding
    the catalogue's meets_column and window_column for each row of `keys`) that returns one
    row per key with
      met_criteria    the codes met, in catalogue order (informational ones included);
      unmet_criteria  every code unmet, not only the first (informational ones never);
      unjudgeable_criteria  the unmet codes whose judging column is null: the figures they
                      need are missing (e.g. a facility no registry event declared); they
                      count as unmet, and the reports count them as data quality;
      status          excluded         a bar is unmet (null counts as unmet);
                      eligible         nothing is unmet;
                      almost_eligible  exactly one criterion is unmet, it is time-based, and
                                       its window column says it is met within the window;
                      ineligible       otherwise.
    Each distinct combination of judging columns is decided once and joined back to its
    rows. The judging columns are read by name (the combinations unpivoted into one
    judgement per column, nulls kept), so a catalogue row whose column the model lacks
    judges everyone unmet and unjudgeable; the data test
    criteria_catalogue_matches_models fails the build on it (and on a meets_ column the
    catalogue lacks).
#}
{% macro decide(criteria, program, keys) %}
    with

    catalogue as (

        select * from {{ ref('criteria') }}
        where program = '{{ program }}'

    ),

    -- each distinct combination of judgements, decided once: a few hundred at the national
    -- scale, against one row per key (a struct compares nulls inside it as equal, so a
    -- combination with an unjudgeable criterion is a combination like any other)
    judged_rows as (

        select
            {{ keys | join(', ') }},
            struct_pack(*columns('^meets_|_within_window$')) as judgement_vector
        from {{ criteria }}

    ),

    vectors as (

        select
            struct_pack(*columns('^meets_|_within_window$')) as judgement_vector,
            columns('^meets_|_within_window$')
        from (select distinct columns('^meets_|_within_window$') from {{ criteria }})

    ),

    -- one row per combination and judging column, nulls kept: a null judgement is unjudgeable
    judgements as (

        from vectors
        unpivot include nulls (
            judgement for judging_column in (columns('^meets_|_within_window$'))
        )

    ),

    judged as (

        select
            vectors.judgement_vector,
            catalogue.code,
            catalogue.kind,
            catalogue.position,
            meets.judgement is null as unjudgeable,
            coalesce(meets.judgement, false) as met,
            coalesce(in_window.judgement, false) as within_window
        from vectors
        cross join catalogue
        left join judgements as meets
            on
            meets.judgement_vector = vectors.judgement_vector
            and meets.judging_column = nullif(catalogue.meets_column, '')
        left join judgements as in_window
            on
            in_window.judgement_vector = vectors.judgement_vector
            and in_window.judging_column = nullif(catalogue.window_column, '')

    ),

    decided as (

        select
            judgement_vector,
            coalesce(list(code order by position) filter (where met), []) as met_criteria,
            coalesce(
                list(code order by position) filter (where not met and kind <> 'informational'),
                []
            ) as unmet_criteria,
            coalesce(
                list(code order by position) filter (where unjudgeable and kind <> 'informational'),
                []
            ) as unjudgeable_criteria,
            case
                when bool_or(kind = 'bar' and not met) then 'excluded'
                when count(*) filter (where not met and kind <> 'informational') = 0
                    then 'eligible'
                when
                    count(*) filter (where not met and kind <> 'informational') = 1
                    and bool_or(kind = 'time' and not met and within_window)
                    then 'almost_eligible'
                else 'ineligible'
            end as status
        from judged
        group by judgement_vector

    )

    select
        {%- for key in keys %}
        judged_rows.{{ key }},
        {%- endfor %}
        decided.* exclude (judgement_vector)
    from judged_rows
    inner join decided on decided.judgement_vector = judged_rows.judgement_vector
{% endmacro %}
