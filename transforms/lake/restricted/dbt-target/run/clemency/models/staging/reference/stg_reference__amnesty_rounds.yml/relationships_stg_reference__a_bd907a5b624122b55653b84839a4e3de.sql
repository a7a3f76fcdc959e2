
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    

with child as (
    select rule_version as from_field
    from "warehouse"."main"."stg_reference__amnesty_rounds"
    where rule_version is not null
),

parent as (
    select rule_version as to_field
    from "warehouse"."main"."amnesty_rounds"
)

select
    from_field

from child
left join parent
    on child.from_field = parent.to_field

where parent.to_field is null



  
  
      
    ) dbt_internal_test