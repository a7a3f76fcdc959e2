

select person_id, policy_id, count(*) as occurrences
from "warehouse"."main"."int_work_release_criteria"
group by person_id, policy_id
having count(*) > 1
