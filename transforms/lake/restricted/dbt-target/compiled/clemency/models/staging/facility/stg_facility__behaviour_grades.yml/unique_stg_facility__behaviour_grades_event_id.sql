
    
    

select
    event_id as unique_field,
    count(*) as n_records

from "warehouse"."main"."stg_facility__behaviour_grades"
where event_id is not null
group by event_id
having count(*) > 1


