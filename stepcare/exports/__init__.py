"""Exports: the national dataset, its validator, and background export jobs (docs/adr/0015)."""
