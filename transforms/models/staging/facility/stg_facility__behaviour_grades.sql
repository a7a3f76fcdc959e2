-- The `behaviour.graded` events recorded by the build's as-of date: the typed rows
-- of base_facility__behaviour_grades (macro recorded_by_as_of_date).
{{ recorded_by_as_of_date('base_facility__behaviour_grades') }}
