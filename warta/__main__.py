"""Run the command line as `python -m warta`."""

from warta.cli import main

main()
