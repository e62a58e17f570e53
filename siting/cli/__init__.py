"""The `siting` command line: a thin typer app over the pipeline."""

from siting.cli.app import main

__all__ = ["main"]
