
    
    



select people
from "warehouse"."main"."round_lifecycle"
where people is null


