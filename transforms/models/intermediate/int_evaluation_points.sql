-- The dates decisions are judged at: every amnesty round at its cutoff (once its decision
-- is signed by the as-of date), the work-release policy at the as-of date while the pilot
-- runs, and the plain as-of date for the current snapshot (person_status). Each point also
-- names the behaviour quarter (Decree 118/2024 Art. 18 counting) its qualifying run must
-- include: the round's own (amnesty_rounds.last_required_period), otherwise the last
-- quarter that ended before the date.
{{ evaluation_points(as_of_date()) }}
