"""warta's application layer: the command line, the daemon and the demo."""
