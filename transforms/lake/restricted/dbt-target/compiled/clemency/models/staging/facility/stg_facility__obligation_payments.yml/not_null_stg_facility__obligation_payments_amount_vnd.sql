
    
    



select amount_vnd
from "warehouse"."main"."stg_facility__obligation_payments"
where amount_vnd is null


