
    
    

select
    round_id as unique_field,
    count(*) as n_records

from "warehouse"."main"."amnesty_round_calendar"
where round_id is not null
group by round_id
having count(*) > 1


