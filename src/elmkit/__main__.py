"""``python -m elmkit``: the same as the ``elmkit`` command."""

from elmkit.cli import main

if __name__ == "__main__":
    main()
