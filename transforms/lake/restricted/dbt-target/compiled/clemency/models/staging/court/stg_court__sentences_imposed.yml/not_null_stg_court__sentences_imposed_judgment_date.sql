
    
    



select judgment_date
from "warehouse"."main"."stg_court__sentences_imposed"
where judgment_date is null


