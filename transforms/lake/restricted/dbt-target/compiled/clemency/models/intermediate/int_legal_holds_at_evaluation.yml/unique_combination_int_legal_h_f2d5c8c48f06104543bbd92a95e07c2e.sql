

select person_id, evaluation_date, count(*) as occurrences
from "warehouse"."main"."int_legal_holds_at_evaluation"
group by person_id, evaluation_date
having count(*) > 1
