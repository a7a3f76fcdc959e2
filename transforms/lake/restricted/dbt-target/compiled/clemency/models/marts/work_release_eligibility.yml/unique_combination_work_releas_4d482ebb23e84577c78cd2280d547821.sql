

select person_key, policy_id, count(*) as occurrences
from "warehouse"."main"."work_release_eligibility"
group by person_key, policy_id
having count(*) > 1
