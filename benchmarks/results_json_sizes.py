"""Where the bytes of a results.json go: compact-JSON bytes per key path, summed over the document.

    python benchmarks/results_json_sizes.py out/results.json [--top 40]

Paths generalise list positions to ``[]`` and table ids to ``{}`` (``firms[].markets[].
fit_reasons``), so every firm × market adds to one line. A line's bytes are the compact JSON
of the value at that path including its key (``"key":``) and separator; children are counted
in their parents too, so the first lines are the big containers and the lines below them say
what fills them.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

TABLES = {"rules", "labels", "texts", "sources", "products"}
ID_KEYED = {"dimensions", "values", "adjust"}  # objects whose keys are ids, not field names


def _size(value) -> int:
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def walk(value, path: str, sizes: Counter, counts: Counter, generic: bool = False) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            name = "{}" if generic else key
            sub = f"{path}.{name}" if path else name
            sizes[sub] += _size(item) + len(json.dumps(key, ensure_ascii=False).encode()) + 2
            counts[sub] += 1
            walk(item, sub, sizes, counts, generic=(not path and key in TABLES) or key in ID_KEYED)
    elif isinstance(value, list):
        for item in value:
            walk(item, path + "[]", sizes, counts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--top", type=int, default=60)
    args = parser.parse_args()
    raw = args.path.read_bytes()
    doc = json.loads(raw)
    sizes: Counter = Counter()
    counts: Counter = Counter()
    walk(doc, "", sizes, counts)
    total = len(raw)
    print(f"{args.path}: {total / 1e6:.2f} MB on disk, {_size(doc) / 1e6:.2f} MB compact")
    print(f"{'MB':>8} {'%':>6} {'count':>9} {'B each':>7}  path")
    for path, size in sizes.most_common(args.top):
        n = counts[path]
        print(f"{size / 1e6:8.3f} {100 * size / total:6.1f} {n:9d} {size / n:7.1f}  {path}")


if __name__ == "__main__":
    main()
