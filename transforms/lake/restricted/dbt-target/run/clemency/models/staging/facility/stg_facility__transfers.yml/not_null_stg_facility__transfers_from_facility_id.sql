
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select from_facility_id
from "warehouse"."main"."stg_facility__transfers"
where from_facility_id is null



  
  
      
    ) dbt_internal_test