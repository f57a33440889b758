"""``python -m exportkit``: the ``exportkit`` command."""

from exportkit.cli import main

if __name__ == "__main__":
    main()
