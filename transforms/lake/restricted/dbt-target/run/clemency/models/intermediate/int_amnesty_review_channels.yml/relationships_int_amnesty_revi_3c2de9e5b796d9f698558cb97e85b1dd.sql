
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    

with child as (
    select review_channel as from_field
    from "warehouse"."main"."int_amnesty_review_channels"
    where review_channel is not null
),

parent as (
    select review_channel as to_field
    from "warehouse"."main"."amnesty_review_channels"
)

select
    from_field

from child
left join parent
    on child.from_field = parent.to_field

where parent.to_field is null



  
  
      
    ) dbt_internal_test