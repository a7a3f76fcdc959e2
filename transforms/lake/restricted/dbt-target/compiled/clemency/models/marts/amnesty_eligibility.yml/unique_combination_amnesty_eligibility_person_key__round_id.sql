

select person_key, round_id, count(*) as occurrences
from "warehouse"."main"."amnesty_eligibility"
group by person_key, round_id
having count(*) > 1
