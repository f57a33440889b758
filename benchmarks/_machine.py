"""What every benchmark says about the machine it ran on, and how it ends its output.

A figure means little without the machine (cores, Python, the versions of the libraries that
did the work), the load at the time (six helpers may share two cores) and the baseline timed
in the same run. ``finish`` prints all three on stderr and puts them into the last JSON line:

    from _machine import finish
    finish(result, libs=["numpy", "duckdb"], baseline="statsmodels GLM, same data (glm_s)")

Run as ``python benchmarks/bench_x.py``, so ``benchmarks/`` is on ``sys.path`` first.
"""

from __future__ import annotations

import json
import os
import platform
import sys
from importlib import metadata
from typing import Any


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine(libs: list[str] | tuple[str, ...] = ()) -> dict[str, Any]:
    """Cores, CPU type, Python, load average now, and the version of each library in ``libs``."""
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    return {
        "cores": os.cpu_count(),
        "cpu": platform.machine(),
        "python": platform.python_version(),
        "load_1_5_15": [round(x, 2) for x in load],
        "libs": {name: _version(name) for name in ("exportkit", *libs)},
    }


def machine_line(info: dict[str, Any]) -> str:
    """One readable line: ``machine: 2 cores x86_64, Python 3.12.3, load 1.2/0.9/0.7, numpy 2.3``."""
    libs = ", ".join(f"{k} {v}" for k, v in info["libs"].items())
    load = "/".join(str(x) for x in info["load_1_5_15"])
    return f"machine: {info['cores']} cores {info['cpu']}, Python {info['python']}, load {load}, {libs}"


def finish(result: dict[str, Any], *, libs: list[str] | tuple[str, ...], baseline: str) -> None:
    """Print the machine and baseline lines (stderr), then ``result`` as the last JSON line.

    The load is read at the end, when the figures have been measured.
    """
    info = machine(libs)
    print(machine_line(info), file=sys.stderr)
    print(f"baseline (same run): {baseline}", file=sys.stderr)
    print(json.dumps({**result, "machine": info, "baseline": baseline}, ensure_ascii=False))
