
      create or replace view "warehouse"."main"."amnesty_round_calendar__dbt_int" as (
        select * from read_parquet('/work/main/lake/restricted/curated/amnesty_round_calendar.parquet', union_by_name=False)
        -- if relation is empty, filter by all columns having null values
        
      );
    