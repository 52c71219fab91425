"""Surveillance: the saved searches' sources, their runs, deduplication and the screening queue,
and the evidence base an edition states."""
