
    
    



select offences
from "warehouse"."main"."stg_court__sentences_imposed"
where offences is null


