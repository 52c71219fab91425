"""Command line used by the Snakemake rules: `python -m briefing <step> ...`."""

from .cli import main

raise SystemExit(main())
