-- The `sentence.postponement_ended` events recorded by the build's as-of date: the typed rows
-- of base_court__postponement_ends (macro recorded_by_as_of_date).
{{ recorded_by_as_of_date('base_court__postponement_ends') }}
