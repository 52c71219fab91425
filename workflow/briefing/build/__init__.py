"""Running the build: the notebook step, Ctrl-C in a step, provenance, the rules' code inputs,
stale locks, the published site and the data dictionary."""
