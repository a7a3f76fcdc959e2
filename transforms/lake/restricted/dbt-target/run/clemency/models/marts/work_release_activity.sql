
      create or replace view "warehouse"."main"."work_release_activity__dbt_int" as (
        select * from read_parquet('/work/main/lake/restricted/curated/work_release_activity.parquet', union_by_name=False)
        -- if relation is empty, filter by all columns having null values
        
      );
    