
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  -- Fails (one row per kind of gap that points at a broken feed) only when more than
-- var('max_referential_gap_share') of the records checked have that gap: a few gaps
-- degrade the decisions they touch and are counted in the data-quality annex; many mean a
-- broken feed, and the build stops.
select
    gap,
    gap_rows,
    checked_rows
from "warehouse"."main"."data_quality_gaps"
where
    stops_the_build_past_share
    and gap_rows > 0.01 * checked_rows
  
  
      
    ) dbt_internal_test