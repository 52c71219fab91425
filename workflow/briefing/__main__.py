"""Command line used by the Snakemake rules: `python -m briefing <step> ...`."""

from briefing.cli import main

raise SystemExit(main())
