

select round_id, review_channel, court_id, court_province, agency, nationality, is_proposed, is_granted, is_released, proposal_timing, proposed_date, effective_date, grant_decision_no, released_date, unattributed_reason, count(*) as occurrences
from "warehouse"."main"."round_lifecycle"
group by round_id, review_channel, court_id, court_province, agency, nationality, is_proposed, is_granted, is_released, proposal_timing, proposed_date, effective_date, grant_decision_no, released_date, unattributed_reason
having count(*) > 1
