"""`make bench`: national-scale measurements, kept out of `make test`."""
