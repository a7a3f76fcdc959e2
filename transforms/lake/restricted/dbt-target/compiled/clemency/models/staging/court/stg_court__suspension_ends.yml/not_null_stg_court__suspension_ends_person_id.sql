
    
    



select person_id
from "warehouse"."main"."stg_court__suspension_ends"
where person_id is null


