
      create or replace view "warehouse"."main"."landed_events_daily__dbt_int" as (
        select * from read_parquet('/work/main/lake/restricted/curated/landed_events_daily.parquet', union_by_name=False)
        -- if relation is empty, filter by all columns having null values
        
      );
    