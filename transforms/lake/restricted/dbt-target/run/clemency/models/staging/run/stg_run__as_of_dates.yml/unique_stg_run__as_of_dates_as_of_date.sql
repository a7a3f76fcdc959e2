
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    

select
    as_of_date as unique_field,
    count(*) as n_records

from "warehouse"."main"."stg_run__as_of_dates"
where as_of_date is not null
group by as_of_date
having count(*) > 1



  
  
      
    ) dbt_internal_test