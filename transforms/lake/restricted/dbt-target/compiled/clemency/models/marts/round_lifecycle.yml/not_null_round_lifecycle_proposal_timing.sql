
    
    



select proposal_timing
from "warehouse"."main"."round_lifecycle"
where proposal_timing is null


