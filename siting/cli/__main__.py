"""`python -m siting.cli`: the same command line as the `siting` script."""

from siting.cli.app import console_main

if __name__ == "__main__":
    console_main()
