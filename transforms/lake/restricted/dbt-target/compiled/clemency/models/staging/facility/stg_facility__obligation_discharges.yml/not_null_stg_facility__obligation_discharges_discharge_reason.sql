
    
    



select discharge_reason
from "warehouse"."main"."stg_facility__obligation_discharges"
where discharge_reason is null


