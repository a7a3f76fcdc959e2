
      create or replace view "warehouse"."main"."round_lifecycle__dbt_int" as (
        select * from read_parquet('/work/main/lake/restricted/curated/round_lifecycle.parquet', union_by_name=False)
        -- if relation is empty, filter by all columns having null values
        
      );
    