
    
    



select person_id
from "warehouse"."main"."int_sentences_at_evaluation"
where person_id is null


