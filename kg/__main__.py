"""``python -m kg``: the same command line as ``kg``."""

from kg.cli import main

__all__: list[str] = []

if __name__ == "__main__":
    main()
