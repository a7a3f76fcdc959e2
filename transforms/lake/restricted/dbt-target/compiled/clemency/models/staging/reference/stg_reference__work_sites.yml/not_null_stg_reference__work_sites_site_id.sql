
    
    



select site_id
from "warehouse"."main"."stg_reference__work_sites"
where site_id is null


