
    
    



select paid_date
from "warehouse"."main"."stg_facility__obligation_payments"
where paid_date is null


