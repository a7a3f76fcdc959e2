

select program, scope_id, count(*) as occurrences
from "warehouse"."main"."int_evaluation_points"
group by program, scope_id
having count(*) > 1
