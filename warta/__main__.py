"""Run the command line as `python -m warta`."""

from warta.cli.root import main

main()
