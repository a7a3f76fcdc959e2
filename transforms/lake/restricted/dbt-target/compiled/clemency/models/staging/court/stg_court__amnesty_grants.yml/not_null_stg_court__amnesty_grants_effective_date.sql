
    
    



select effective_date
from "warehouse"."main"."stg_court__amnesty_grants"
where effective_date is null


