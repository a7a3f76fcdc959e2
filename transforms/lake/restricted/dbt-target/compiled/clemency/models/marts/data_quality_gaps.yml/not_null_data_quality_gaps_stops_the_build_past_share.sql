
    
    



select stops_the_build_past_share
from "warehouse"."main"."data_quality_gaps"
where stops_the_build_past_share is null


