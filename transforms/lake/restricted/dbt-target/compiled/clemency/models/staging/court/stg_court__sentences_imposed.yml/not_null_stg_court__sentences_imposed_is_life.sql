
    
    



select is_life
from "warehouse"."main"."stg_court__sentences_imposed"
where is_life is null


