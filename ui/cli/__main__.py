"""`python -m ui.cli ...` runs the `griffier` command line (works before `pip install`)."""

from ui.cli import main

main()
