
    
    



select status
from "warehouse"."main"."amnesty_eligibility"
where status is null


