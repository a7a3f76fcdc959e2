
    
    



select quashed_date
from "warehouse"."main"."stg_court__sentences_quashed"
where quashed_date is null


