
    
    



select is_corruption
from "warehouse"."main"."stg_court__sentences_imposed"
where is_corruption is null


