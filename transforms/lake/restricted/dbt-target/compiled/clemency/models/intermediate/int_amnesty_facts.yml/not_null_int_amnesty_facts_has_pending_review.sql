
    
    



select has_pending_review
from "warehouse"."main"."int_amnesty_facts"
where has_pending_review is null


