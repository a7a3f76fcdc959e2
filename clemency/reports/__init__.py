"""Reports built from the curated marts."""
