"""The `siting` command line: a thin typer app over the pipeline."""

from siting.cli.app import console_main, main

__all__ = ["main", "console_main"]
