

select person_id, evaluation_date, count(*) as occurrences
from "warehouse"."main"."int_time_served"
group by person_id, evaluation_date
having count(*) > 1
