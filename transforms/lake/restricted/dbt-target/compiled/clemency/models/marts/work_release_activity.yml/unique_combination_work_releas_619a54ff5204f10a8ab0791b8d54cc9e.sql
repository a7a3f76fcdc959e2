

select site_id, facility_id, movement_year, movement, return_reason, count(*) as occurrences
from "warehouse"."main"."work_release_activity"
group by site_id, facility_id, movement_year, movement, return_reason
having count(*) > 1
