
    
    



select has_barring_review
from "warehouse"."main"."int_amnesty_facts"
where has_barring_review is null


