
    
    



select province
from "warehouse"."main"."stg_reference__facilities"
where province is null


