
    
    



select arrest_date
from "warehouse"."main"."stg_court__sentences_imposed"
where arrest_date is null


