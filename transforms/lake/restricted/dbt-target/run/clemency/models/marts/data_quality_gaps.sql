
      create or replace view "warehouse"."main"."data_quality_gaps__dbt_int" as (
        select * from read_parquet('/work/main/lake/restricted/curated/data_quality_gaps.parquet', union_by_name=False)
        -- if relation is empty, filter by all columns having null values
        
      );
    