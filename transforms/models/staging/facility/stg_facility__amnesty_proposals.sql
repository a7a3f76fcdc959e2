-- The `amnesty.proposed` events recorded by the build's as-of date: the typed rows
-- of base_facility__amnesty_proposals (macro recorded_by_as_of_date).
{{ recorded_by_as_of_date('base_facility__amnesty_proposals') }}
