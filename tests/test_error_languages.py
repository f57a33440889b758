"""Every error message exists in zh-TW and English (issue 16, item 6 and found since 15).

A walk over the source: each place that raises an exportkit error gives the Traditional
Chinese text (``zh=``) beside the English one, and each workbook problem that describes what
was found in English prose also says it in Chinese (``got_zh=``). Errors whose class composes
both languages itself (``WorkbookError``, ``InputProblem``, ``SourceError`` …) need nothing.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import exportkit
import exportkit.errors as errors
from exportkit.cli import main

PACKAGE = Path(exportkit.__file__).parent


def _needs_zh() -> set[str]:
    """Error classes built with ``ExportkitError.__init__`` (first argument English, ``zh=``)."""
    names = set()
    for name, cls in vars(errors).items():
        if inspect.isclass(cls) and issubclass(cls, errors.ExportkitError):
            init = next(c for c in cls.__mro__ if "__init__" in vars(c))
            if init is errors.ExportkitError:
                names.add(name)
    return names - {"HostileXML"}  # internal: always turned into a WorkbookError


def _calls(names: set[str]):
    for path in sorted(PACKAGE.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Call):
                func = node.func
                name = getattr(func, "id", None) or getattr(func, "attr", None)
                if name in names:
                    yield path.relative_to(PACKAGE), node, source


def test_every_raised_error_has_a_chinese_text():
    missing = [
        f"{path}:{node.lineno}: {ast.get_source_segment(source, node)[:90]}"
        for path, node, source in _calls(_needs_zh())
        if not any(k.arg == "zh" for k in node.keywords)
    ]
    assert not missing, "give these errors a zh= text:\n" + "\n".join(missing)


def test_every_found_text_in_english_prose_has_a_chinese_one():
    missing = []
    for path, node, source in _calls({"WorkbookError", "_error", "_not_template"}):
        keywords = {k.arg: k.value for k in node.keywords}
        got = keywords.get("got")
        has_zh = "got_zh" in keywords
        if getattr(node.func, "id", "") == "_not_template":
            got, has_zh = (node.args[1] if len(node.args) > 1 else None), len(node.args) > 2
        if isinstance(got, ast.Constant | ast.JoinedStr) and not has_zh:
            missing.append(f"{path}:{node.lineno}: {ast.get_source_segment(source, got)[:80]}")
    assert not missing, "give these a got_zh= text:\n" + "\n".join(missing)


def test_the_walk_sees_the_errors_it_checks():
    # the check above cannot pass by finding nothing
    assert {"UsageError", "StoreError", "DataImportError", "DefinitionError"} <= _needs_zh()
    assert sum(1 for _ in _calls(_needs_zh())) > 80


def test_a_corrupt_database_and_a_bad_import_speak_chinese(runner, tmp_path):
    broken = tmp_path / "broken.duckdb"
    broken.write_bytes(b"not a database " * 200)
    zh = runner.invoke(main, ["--lang", "zh-TW", "data", "status", "--db", str(broken)])
    assert zh.exit_code == 1 and "不是有效的市場資料庫" in zh.output, zh.output
    missing = runner.invoke(main, ["--lang", "zh-TW", "data", "import", str(tmp_path / "none")])
    assert missing.exit_code == 1 and "不是資料夾" in missing.output
