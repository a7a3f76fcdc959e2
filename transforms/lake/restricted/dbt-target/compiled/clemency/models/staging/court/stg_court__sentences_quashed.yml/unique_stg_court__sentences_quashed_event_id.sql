
    
    

select
    event_id as unique_field,
    count(*) as n_records

from "warehouse"."main"."stg_court__sentences_quashed"
where event_id is not null
group by event_id
having count(*) > 1


