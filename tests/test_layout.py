"""The tree keeps its shape: imports point only down the data flow, nothing imports in a cycle
(not even under ``TYPE_CHECKING`` or inside a function), every subpackage ships, and every
public function and class of the library says what it does.

Stages, top to bottom (``docs/architecture.md`` draws them)::

    cli → assess → {render, entry_mode, markets, match, questionnaire} → {analytics, store, ingest}
        → models, with the base modules (errors, resources, i18n, countries, safe_output, gc_pause,
          beside, doctor, results, formatting) usable by all
"""

from __future__ import annotations

import ast
import tomllib
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# import package → folder, as pyproject's package-dir maps them
FOLDERS = {
    "exportkit": ROOT / "exportkit",
    "exportkit.spiders": ROOT / "spiders",
    "exportkit.questionnaires": ROOT / "questionnaires",
    "exportkit.reports": ROOT / "reports",
}
BASE_MODULES = {
    "errors",
    "resources",
    "i18n",
    "countries",
    "safe_output",
    "doctor",
    "results",
    "gc_pause",
    "beside",
    "formatting",  # numbers, money and dates as every document and reason writes them
}
BASE = {"models", "base"}
# stage → the stages it may import (its own included)
ALLOWED: dict[str, set[str]] = {
    "data": {"data"},  # exportkit.questionnaires, exportkit.reports: packaged files only
    "models": {"models"},
    "base": BASE,
    "analytics": {"analytics", *BASE},
    "store": {"store", *BASE},
    "spiders": {"spiders", "store", *BASE},
    "ingest": {"ingest", "spiders", "store", *BASE},
    "questionnaire": {"questionnaire", *BASE},
    "entry_mode": {"entry_mode", *BASE},
    "match": {"match", *BASE},  # the matchmaking engine: pure, like entry_mode
    "markets": {"markets", "analytics", "store", *BASE},
    "render": {"render", *BASE},
    "assess": {
        "assess",
        "questionnaire",
        "markets",
        "entry_mode",
        "match",
        "render",
        "analytics",
        "store",
        *BASE,
    },  # fmt: skip
    "cli": {
        "cli",
        "assess",
        "questionnaire",
        "markets",
        "entry_mode",
        "match",
        "render",
        "analytics",
        "store",
        "ingest",
        *BASE,
    },  # fmt: skip
}


def _module_files() -> dict[str, Path]:
    out = {}
    for package, folder in FOLDERS.items():
        for path in folder.rglob("*.py"):
            if any(part in ("__pycache__", "build") for part in path.parts):
                continue
            parts = list(path.relative_to(folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            name = ".".join([package, *parts])
            # a folder mapped to its own package (spiders/) is not also under exportkit/
            if package == "exportkit" and name.split(".")[1:2] in (["spiders"], ["reports"]):
                continue
            out[name] = path
    return out


MODULES = _module_files()


def stage(module: str) -> str:
    """The stage a module belongs to (``exportkit.render.views.brief`` → ``render``)."""
    parts = module.split(".")
    if len(parts) == 1 or parts[1] in BASE_MODULES:
        return "base"
    if parts[1] in ("questionnaires", "reports"):
        return "data"
    if parts[1] == "__main__":
        return "cli"
    return parts[1]


def _resolve(module: str, target: str, level: int, path: Path) -> str:
    if not level:
        return target
    base = module.split(".")
    if path.name != "__init__.py":
        base = base[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, target] if target else base)


def imports(module: str) -> set[str]:
    """Every exportkit module ``module`` imports, wherever the import statement is (module
    level, inside a function, under ``if TYPE_CHECKING``). ``from pkg import name`` counts as
    importing ``pkg.name`` when that is a module."""
    path = MODULES[module]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("exportkit")}
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, node.module or "", node.level, path)
            if not target.startswith("exportkit"):
                continue
            subs = {f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in MODULES}
            found |= subs or {target}
            if len(subs) < len(node.names):
                found.add(target)
    return {m for m in found if m in MODULES and m != module}


def test_the_analysis_sees_every_stage():
    stages = {stage(m) for m in MODULES}
    assert stages == set(ALLOWED), stages ^ set(ALLOWED)


def upward(module: str) -> list[str]:
    """The modules ``module`` imports from a stage it may not import."""
    return sorted(m for m in imports(module) if stage(m) not in ALLOWED[stage(module)])


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_only_down_the_data_flow(module):
    assert not upward(module), f"{module} ({stage(module)}) imports {upward(module)}"


def test_the_check_sees_imports_in_functions_and_under_type_checking(tmp_path, monkeypatch):
    fake = tmp_path / "fake.py"
    fake.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from exportkit.assess.pipeline import run_assessment\n"
        "def f():\n    from exportkit.store import open_store\n"
        "    from ..markets import profile\n",
        encoding="utf-8",
    )
    monkeypatch.setitem(MODULES, "exportkit.render.fake", fake)
    assert upward("exportkit.render.fake") == [
        "exportkit.assess.pipeline",
        "exportkit.markets.profile",
        "exportkit.store",
    ]


def test_render_reads_only_the_model():
    """The writers get everything as model objects: no store, no engines, no orchestration."""
    for module in (m for m in MODULES if stage(m) == "render"):
        assert {stage(m) for m in imports(module)} <= {"render", "models", "base"}, module


def test_no_import_cycles_even_under_type_checking():
    graph = {m: imports(m) for m in MODULES}
    # a package's __init__ importing its own submodules is how packages expose their API;
    # a cycle is any path that comes back to where it started
    state: dict[str, int] = defaultdict(int)  # 0 new, 1 on the path, 2 done
    path: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state[nxt] == 1:
                cycles.append(path[path.index(nxt) :] + [nxt])
            elif state[nxt] == 0:
                visit(nxt)
        path.pop()
        state[node] = 2

    for module in sorted(graph):
        if state[module] == 0:
            visit(module)
    assert not cycles, "\n".join(" → ".join(c) for c in cycles)


def test_no_loose_domain_modules_beside_the_packages():
    loose = {
        p.stem
        for p in FOLDERS["exportkit"].glob("*.py")
        if p.stem not in BASE_MODULES | {"__init__", "__main__"}
    }
    assert not loose, f"move these into their stage's package: {sorted(loose)}"


def test_every_package_is_listed_in_pyproject():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    packages = {m for m, p in MODULES.items() if p.name == "__init__.py"}
    assert packages <= listed, sorted(packages - listed)


def _public_definitions(tree: ast.Module):
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            if not node.name.startswith("_"):
                yield node
        if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    if not item.name.startswith("_"):
                        yield item


@pytest.mark.parametrize("module", sorted(MODULES))
def test_public_functions_and_classes_have_docstrings(module):
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    assert ast.get_docstring(tree), f"{module} has no module docstring"
    missing = [
        f"{node.name} (line {node.lineno})"
        for node in _public_definitions(tree)
        if not ast.get_docstring(node)
        and not any(isinstance(d, ast.Name) and d.id == "property" for d in node.decorator_list)
    ]
    assert not missing, f"{module}: no docstring on {', '.join(missing)}"
