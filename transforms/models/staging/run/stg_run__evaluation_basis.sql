with

source as (

    select * from {{ source('run', 'evaluation_basis') }}

),

renamed as (

    select
        cast(basis_as_of_date as date) as basis_as_of_date,
        -- the types are read from the file: a null date, an empty list
        coalesce(cast(staged_files as varchar[]), []) as staged_files
    from source

)

select * from renamed
