
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select cutoff_date
from "warehouse"."main"."stg_reference__amnesty_rounds"
where cutoff_date is null



  
  
      
    ) dbt_internal_test