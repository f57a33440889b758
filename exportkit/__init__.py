"""exportkit — export-readiness assessment and New Southbound market advice for Taiwanese SMEs.

The library is usable without the CLI; every ``exportkit`` command calls one function here
or in a submodule (``exportkit.questionnaire``, ``exportkit.store``, ``exportkit.markets`` …).
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
