
    
    



select start_date
from "warehouse"."main"."stg_court__bail_grants"
where start_date is null


