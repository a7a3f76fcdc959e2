
    
    



select obligation_kind
from "warehouse"."main"."stg_facility__obligation_payments"
where obligation_kind is null


