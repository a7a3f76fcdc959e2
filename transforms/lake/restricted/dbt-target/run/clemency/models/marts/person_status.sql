
      create or replace view "warehouse"."main"."person_status__dbt_int" as (
        select * from read_parquet('/work/main/lake/restricted/curated/person_status.parquet', union_by_name=False)
        -- if relation is empty, filter by all columns having null values
        
      );
    