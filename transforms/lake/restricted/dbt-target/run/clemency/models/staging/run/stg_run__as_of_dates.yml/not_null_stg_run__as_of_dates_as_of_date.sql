
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select as_of_date
from "warehouse"."main"."stg_run__as_of_dates"
where as_of_date is null



  
  
      
    ) dbt_internal_test