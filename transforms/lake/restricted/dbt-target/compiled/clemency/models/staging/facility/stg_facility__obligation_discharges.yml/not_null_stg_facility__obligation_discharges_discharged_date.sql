
    
    



select discharged_date
from "warehouse"."main"."stg_facility__obligation_discharges"
where discharged_date is null


