
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select proposed_date
from "warehouse"."main"."stg_facility__amnesty_proposals"
where proposed_date is null



  
  
      
    ) dbt_internal_test