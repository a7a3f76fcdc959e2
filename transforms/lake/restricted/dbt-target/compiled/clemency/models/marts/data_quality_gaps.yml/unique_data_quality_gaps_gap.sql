
    
    

select
    gap as unique_field,
    count(*) as n_records

from "warehouse"."main"."data_quality_gaps"
where gap is not null
group by gap
having count(*) > 1


