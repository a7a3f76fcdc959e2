
  
  create view "warehouse"."main"."stg_run__as_of_dates__dbt_tmp" as (
    with

source as (

    select * from read_json('/work/main/lake/restricted/as_of_dates.json', format = 'array')

),

renamed as (

    select cast(as_of_date as date) as as_of_date
    from source

)

select * from renamed
  );
