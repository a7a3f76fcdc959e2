-- The `sentence.suspended` events recorded by the build's as-of date: the typed rows
-- of base_court__suspensions (macro recorded_by_as_of_date).
{{ recorded_by_as_of_date('base_court__suspensions') }}
