
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    

select
    facility_id || '|' || site_id as unique_field,
    count(*) as n_records

from "warehouse"."main"."stg_reference__work_sites"
where facility_id || '|' || site_id is not null
group by facility_id || '|' || site_id
having count(*) > 1



  
  
      
    ) dbt_internal_test