
    
    



select as_of_date
from "warehouse"."main"."amnesty_eligibility"
where as_of_date is null


