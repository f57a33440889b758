"""Checks of the installation: packaged resources, the fonts and libraries the PDF renderer
needs (the market database: ``exportkit.store.health``).

Each check carries a key; ``exportkit doctor`` shows its label (``doctor_check_<key>`` in
``locales/messages.yaml``) in the user's language. The CJK font is required: without it a
Chinese PDF comes out as boxes, so PDF rendering refuses (``require_fonts_for``) rather than
write one.
"""

from __future__ import annotations

import ctypes.util
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache

from exportkit import resources

CJK_FONT = "Noto Sans CJK TC"
THAI_FONT = "Noto Sans Thai"
# Han, CJK punctuation, Bopomofo and full-width forms: what a CJK font must draw.
_CJK = re.compile(
    r"[\u3000-\u303f\u3100-\u312f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]"
)


@dataclass(frozen=True)
class Check:
    """One thing exportkit needs, whether it is there, and what was found.

    ``key`` names the check in the message catalogue; ``detail`` is what was found (a path, a
    font file, a count), shown as is.
    """

    key: str
    ok: bool
    detail: str
    required: bool = True
    detail_zh: str | None = None  # when what was found is English prose

    def shown_detail(self, lang: str) -> str:
        """What was found, in ``lang`` when the check has it in both."""
        return self.detail_zh if lang == "zh-TW" and self.detail_zh else self.detail

    @property
    def name(self) -> str:
        """The English label (the CLI shows the catalogue's, in the user's language)."""
        from exportkit.i18n import t

        return t(f"doctor_check_{self.key}", "en")


@cache
def font_file(family: str) -> str | None:
    """The file fontconfig uses for ``family``, or ``None`` when no such font is installed
    (cached: fontconfig does not change while a process runs)."""
    if not shutil.which("fc-list"):
        return None
    try:
        out = subprocess.run(
            ["fc-list", f":family={family}", "file"],
            capture_output=True,
            text=True,
            timeout=30,
            env=os.environ.copy(),
        )
    except (OSError, subprocess.SubprocessError):
        return None
    files = sorted(line.strip().rstrip(":") for line in out.stdout.splitlines() if line.strip())
    return files[0] if files else None


def needs_cjk_font(text: str) -> bool:
    """True when ``text`` has characters only a CJK font draws (Chinese names, labels)."""
    return _CJK.search(text) is not None


def run_checks() -> list[Check]:
    """Return one ``Check`` per thing of the installation exportkit needs; nothing is changed.

    The market database is checked by ``exportkit.store.health.database_check`` (the store
    sits above this module)."""
    checks = []
    for key, node in (
        ("definitions", resources.definitions_dir()),
        ("templates", resources.templates_dir()),
    ):
        present = node.is_dir() and any(node.iterdir())
        checks.append(Check(key, present, str(node)))
    cjk = font_file(CJK_FONT)
    checks.append(Check("font_cjk", bool(cjk), cjk or CJK_FONT, required=True))
    thai = font_file(THAI_FONT)
    checks.append(Check("font_thai", bool(thai), thai or THAI_FONT, required=False))
    subset = ctypes.util.find_library("harfbuzz-subset")
    checks.append(Check("harfbuzz_subset", bool(subset), subset or "libharfbuzz-subset0", False))
    return checks
