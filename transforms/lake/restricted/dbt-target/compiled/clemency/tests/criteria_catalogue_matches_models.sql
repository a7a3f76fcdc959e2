-- The criterion catalogue (seeds/rules/criteria.csv) and the criteria models agree: fails
-- with one row per judging column the catalogue names that its model lacks, and per
-- judging column (meets_*, *_within_window) of a model that the catalogue does not list.


with

catalogue as (

    select * from "warehouse"."main"."criteria"

),

model_columns as (

    select
        'amnesty' as program,
        column_name
    from information_schema.columns
    where
        table_schema = 'main'
        and table_name = 'int_amnesty_criteria'

    union all

    select
        'work_release' as program,
        column_name
    from information_schema.columns
    where
        table_schema = 'main'
        and table_name = 'int_work_release_criteria'

),

named as (

    select
        program,
        meets_column as column_name
    from catalogue
    union all
    select
        program,
        window_column as column_name
    from catalogue
    where coalesce(window_column, '') <> ''

),

not_in_models as (

    select
        named.program,
        named.column_name,
        'named by the catalogue, missing from the model' as problem
    from named
    left join model_columns
        on model_columns.program = named.program
        and model_columns.column_name = named.column_name
    where model_columns.column_name is null

),

not_in_catalogue as (

    select
        model_columns.program,
        model_columns.column_name,
        'a judging column the catalogue does not list' as problem
    from model_columns
    left join named
        on named.program = model_columns.program
        and named.column_name = model_columns.column_name
    where
        named.column_name is null
        and (
            starts_with(model_columns.column_name, 'meets_')
            or ends_with(model_columns.column_name, '_within_window')
        )

)

select * from not_in_models
union all
select * from not_in_catalogue