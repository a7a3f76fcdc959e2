
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select discipline_date
from "warehouse"."main"."stg_facility__disciplinary_records"
where discipline_date is null



  
  
      
    ) dbt_internal_test