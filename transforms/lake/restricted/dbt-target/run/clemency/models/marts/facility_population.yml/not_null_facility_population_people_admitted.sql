
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select people_admitted
from "warehouse"."main"."facility_population"
where people_admitted is null



  
  
      
    ) dbt_internal_test