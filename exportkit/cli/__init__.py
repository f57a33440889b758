"""The ``exportkit`` command: thin click commands over the library.

``app`` holds the group and the one error boundary; each command module (``assess``,
``brief``, ``crawl`` …) parses its options, calls one library function and prints the result;
``options`` declares the options they share.
"""

# Each command module adds itself to ``main``; import order is the order in --help.
# (customs adds `data import-customs` to the `data` group)
from exportkit.cli import (  # noqa: E402, F401, I001
    assess,
    brief,
    crawl,
    customs,
    data,
    doctor,
    gravity,
    markets,
    match,
    questionnaire,
)
from exportkit.cli.app import ExportkitGroup, main

__all__ = ["ExportkitGroup", "main"]
