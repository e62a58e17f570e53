"""`python -m siting.cli`: the same command line as the `siting` script."""

from siting.cli.app import main

if __name__ == "__main__":
    main()
