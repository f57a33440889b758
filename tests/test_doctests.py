"""Every example in the library's docstrings runs and shows what the code returns."""

from __future__ import annotations

import doctest
import importlib

import pytest
from test_layout import MODULES

FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
WITH_EXAMPLES = sorted(
    m for m, path in MODULES.items() if ">>>" in path.read_text(encoding="utf-8")
)


def test_the_library_has_examples_to_run():
    assert len(WITH_EXAMPLES) >= 10, WITH_EXAMPLES


@pytest.mark.parametrize("module", WITH_EXAMPLES)
def test_docstring_examples(module, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # an example that writes a file writes it here
    monkeypatch.setenv("EXPORTKIT_DB", str(tmp_path / "market.duckdb"))
    result = doctest.testmod(importlib.import_module(module), optionflags=FLAGS, verbose=False)
    assert result.attempted, f"{module}: no example was run"
    assert result.failed == 0, f"{module}: {result.failed} of {result.attempted} examples failed"
