"""The casecode command line: ``app`` and its entry point ``main`` (see ``cli/app.py``)."""

from casecode.cli.app import COMMANDS, app, main

__all__ = ["COMMANDS", "app", "main"]
