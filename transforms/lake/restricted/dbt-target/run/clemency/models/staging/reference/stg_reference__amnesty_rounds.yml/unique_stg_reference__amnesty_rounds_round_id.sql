
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    

select
    round_id as unique_field,
    count(*) as n_records

from "warehouse"."main"."stg_reference__amnesty_rounds"
where round_id is not null
group by round_id
having count(*) > 1



  
  
      
    ) dbt_internal_test