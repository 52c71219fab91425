"""Command line used by the Snakemake rules: `python -m briefing <step> ...`."""

from briefing.build import interrupt

interrupt.install()  # first: Ctrl-C during the imports below is remembered (see interrupt.py)

from briefing.cli import main  # noqa: E402

status: int | str | None
try:
    status = main()
except SystemExit as end:  # argparse's, among others
    status = end.code
raise SystemExit(130 if interrupt.received() else status)  # 130: ended by SIGINT, as a shell says
