with

source as (

    select * from {{ source('run', 'as_of_dates') }}

),

renamed as (

    select cast(as_of_date as date) as as_of_date
    from source

)

select * from renamed
