
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select escape_date
from "warehouse"."main"."stg_facility__escapes"
where escape_date is null



  
  
      
    ) dbt_internal_test