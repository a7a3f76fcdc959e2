
      create or replace view "warehouse"."main"."amnesty_eligibility__dbt_int" as (
        select * from read_parquet('/work/main/lake/restricted/curated/amnesty_eligibility.parquet', union_by_name=False)
        -- if relation is empty, filter by all columns having null values
        
      );
    