
    
    



select program
from "warehouse"."main"."amnesty_eligibility"
where program is null


