

select person_id, evaluation_date, count(*) as occurrences
from "warehouse"."main"."int_obligations_at_evaluation"
group by person_id, evaluation_date
having count(*) > 1
