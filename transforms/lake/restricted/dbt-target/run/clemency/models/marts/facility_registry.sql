
      create or replace view "warehouse"."main"."facility_registry__dbt_int" as (
        select * from read_parquet('/work/main/lake/restricted/curated/facility_registry.parquet', union_by_name=False)
        -- if relation is empty, filter by all columns having null values
        
      );
    