"""Making outputs safe: spreadsheet text that cannot turn into a formula, file or folder
names derived from firm names that cannot escape the output folder or collide, and output
folders that are replaced whole (:func:`staged_folder`) so that an interrupted run never
leaves a truncated or mixed one.

This is the one place exportkit turns user text into a path component: ``exportkit assess``
(``firms/<name>.json``, ``<name>/`` report folders) and the renderer (``exportkit brief``,
``write_portfolio``) all use :func:`safe_name` / :func:`unique_name`.

>>> neutralise('=HYPERLINK("http://x")')
'\\'=HYPERLINK("http://x")'
>>> safe_name("../../etc/passwd"), safe_name("台灣 精密/機械"), safe_name("CON")
('etc-passwd', '台灣-精密-機械', '_CON')
>>> unique_name("ACME Co.") != unique_name("ACME, Co")
True
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import sys
import threading
import unicodedata
from collections.abc import Iterator, MutableSet
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from exportkit.errors import OutputError
from exportkit.i18n import os_reason, t

# Characters that make Excel/LibreOffice read a cell as a formula (OWASP CSV injection list:
# = + - @, and tab / carriage return / line feed, which some programs strip before parsing).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")

WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {
    f"{p}{i}" for p in ("COM", "LPT") for i in range(1, 10)
}
# Well under the 255-byte limit of common filesystems, leaving room for the hash, a suffix and
# the folder it sits in (a Chinese character is 3 bytes: ~26 of them).
MAX_BYTES = 80
HASH_LENGTH = 8


def neutralise(value: Any) -> Any:
    """Text that starts like a formula gets a leading apostrophe; other values pass through.

    Used for every text cell exportkit writes to a workbook, so a firm called
    ``=HYPERLINK(...)`` stays text.
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def restore_neutralised(value: Any) -> Any:
    """The text :func:`neutralise` protected, as it was (``'=SUM(1)`` → ``=SUM(1)``)."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_TRIGGERS):
        return value[1:]
    return value


def _kept(ch: str) -> bool:
    # Letters, combining marks (Thai vowels, Vietnamese tones) and digits of any script, and
    # "_"/"-". Everything else — separators, dots, quotes, "#", "%", "?", "&", control
    # characters — would break a path or a relative link in index.html.
    return ch in "_-" or unicodedata.category(ch)[0] in "LMN"


def safe_name(text: str | None, fallback: str = "document") -> str:
    """A path component from ``text``: no separators, no ``..``, no control characters.

    Letters of any script (Chinese, Thai, Vietnamese) and digits are kept; runs of anything
    else become one ``-``; length is bounded (:data:`MAX_BYTES` UTF-8 bytes); Windows device
    names (``CON``, ``NUL`` …) get a leading ``_``. Empty results become ``fallback``.
    """
    name = unicodedata.normalize("NFKC", text or "")
    name = "".join(ch if _kept(ch) else "-" for ch in name)
    while "--" in name:
        name = name.replace("--", "-")
    name = name.strip("-_")
    while len(name.encode("utf-8")) > MAX_BYTES:
        name = name[:-1]
    name = name.rstrip("-_")
    if not name:
        return fallback
    if name.upper() in WINDOWS_RESERVED:
        name = "_" + name
    return name


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:HASH_LENGTH]


class TakenNames(set):
    """Names already given, also kept case-folded: ``unique_name`` then checks a name in one
    look-up instead of folding every name taken so far (1,000 firms: 500,000 foldings)."""

    def __init__(self, names=()) -> None:
        super().__init__()
        self.folded: set[str] = set()
        for name in names:
            self.add(name)

    def add(self, name: str) -> None:
        """Take ``name`` (kept as given, and case-folded for the look-up)."""
        super().add(name)
        self.folded.add(name.casefold())


def unique_name(
    text: str | None,
    taken: MutableSet[str] | None = None,
    fallback: str = "document",
    suffix: str = "",
) -> str:
    """``safe_name(text)`` (+ ``suffix``), made unique.

    A short hash of the original text is added when making it safe changed it, so two names
    that differ only by punctuation ("ACME Co." / "ACME, Co") never share a file or folder;
    a name left as typed ("台灣精密") stays readable. With ``taken`` (compared
    case-insensitively, for case-insensitive filesystems) a name already used gets the hash,
    then a number; the returned name is added to ``taken``.
    """
    original = text or ""
    base = safe_name(original, fallback)
    if isinstance(taken, TakenNames):
        seen = taken.folded
    else:
        seen = {t.casefold() for t in taken} if taken is not None else set()
    hashed = f"{base}-{_digest(original)}"
    candidate = base
    if (
        base != unicodedata.normalize("NFKC", original).strip()
        or (base + suffix).casefold() in seen
    ):
        candidate = hashed
    n = 2
    while (candidate + suffix).casefold() in seen:
        candidate = f"{hashed}-{n}"
        n += 1
    name = candidate + suffix
    if taken is not None:
        taken.add(name)
    return name


# -- output folders replaced whole ------------------------------------------------------------

# Written into every output folder: the entries the run wrote (the next run replaces exactly
# those and keeps anything else), and the mark that tells an input scan to skip the folder.
MANIFEST = ".exportkit-output.json"
# What exportkit writes into an output folder without a manifest (one from an older version).
KNOWN_OUTPUTS = frozenset(
    {
        "results.json",
        "portfolio.xlsx",
        "firms",
        "index.html",
        "matches.json",
        "matches.xlsx",
        "meetings.xlsx",
        "meetings.html",
        "meetings.pdf",
    }
)
# Staging and retired folders sit beside the output: ``.<name>.exportkit-new-<pid>-<token>``.
_SIDE = re.compile(r"^\.(?P<name>.+)\.exportkit-(?:new|old)-(?P<pid>\d+)-[0-9a-f]+$")


def _reason(exc: OSError, lang: str) -> str:
    return os_reason(exc, lang)


def output_error(path: str | os.PathLike[str], exc: OSError) -> OutputError:
    """One bilingual error naming ``path`` (the path the user gave) and why it failed."""
    shown = os.fspath(path)
    return OutputError(
        shown,
        t("output_cannot_write", "en", path=shown, reason=_reason(exc, "en")),
        zh=t("output_cannot_write", "zh-TW", path=shown, reason=_reason(exc, "zh-TW")),
    )


def _os_error_of(exc: BaseException) -> OSError | None:
    """The ``OSError`` behind ``exc``: itself, or the cause of a writer's ``RenderError``."""
    if isinstance(exc, OSError):
        return exc
    return exc.__cause__ if isinstance(exc.__cause__, OSError) else None


def is_output_folder(path: Path) -> bool:
    """True for a folder exportkit wrote (or is writing): an input scan never reads it."""
    return bool(_SIDE.match(path.name)) or (path / MANIFEST).is_file()


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def _clean_stale(out: Path) -> None:
    """Remove what a killed run left beside ``out`` (its staging or retired folder)."""
    try:
        siblings = list(out.parent.iterdir())
    except OSError:
        return
    for sibling in siblings:
        m = _SIDE.match(sibling.name)
        if m and m["name"] == out.name and not _alive(int(m["pid"])):
            shutil.rmtree(sibling, ignore_errors=True)


def _previous_entries(out: Path) -> set[str]:
    """The entries of ``out`` that an earlier run wrote (its manifest, else the known names)."""
    ours = set(KNOWN_OUTPUTS) | {MANIFEST}
    try:
        listed = json.loads((out / MANIFEST).read_text(encoding="utf-8")).get("entries", [])
        ours |= {str(e) for e in listed}
    except (OSError, ValueError, AttributeError):
        # no manifest: a firm's report folder is one holding its readiness report
        ours |= {
            p.name
            for p in out.iterdir()
            if p.is_dir()
            and not p.is_symlink()
            and not (p / MANIFEST).exists()
            and any((p / f"readiness.{ext}").is_file() for ext in ("html", "pdf"))
        }
    return ours


def _link_tree(src: Path, dst: Path) -> None:
    """``src`` at ``dst`` by hard links (no data copied; a copy where links are refused)."""
    if src.is_dir() and not src.is_symlink():
        dst.mkdir()
        for child in src.iterdir():
            _link_tree(child, dst / child.name)
        shutil.copystat(src, dst)
        return
    try:
        os.link(src, dst, follow_symlinks=False)
    except OSError:
        if src.is_symlink():
            os.symlink(os.readlink(src), dst)
        else:
            shutil.copy2(src, dst)


def _carry_over(out: Path, staging: Path) -> None:
    """Files in ``out`` that no exportkit run wrote (a database, a colleague's notes, a match
    run's subfolder) appear in the new folder too; the previous run's outputs do not."""
    if not out.is_dir():
        return
    ours = _previous_entries(out)
    for entry in out.iterdir():
        if entry.name not in ours and not (staging / entry.name).exists():
            _link_tree(entry, staging / entry.name)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step (Linux ``renameat2(RENAME_EXCHANGE)``); False where the
    system or filesystem cannot, so the caller falls back to two renames."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p]
    renameat2.argtypes += [ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), os.fspath(b))


def _swap_in(staging: Path, out: Path, token: str) -> None:
    if not out.exists():
        os.rename(staging, out)
    elif _exchange(staging, out):
        shutil.rmtree(staging, ignore_errors=True)  # it now holds the previous output
    else:
        # two renames: killed between them, the folder is missing (never mixed), and the
        # previous output waits beside it until the next run removes it
        old = out.with_name(f".{out.name}.exportkit-old-{os.getpid()}-{token}")
        os.rename(out, old)
        os.rename(staging, out)
        shutil.rmtree(old, ignore_errors=True)


@contextmanager
def shielded() -> Iterator[None]:
    """Clean-up that a second Ctrl-C (or a SIGTERM) must not cut short, in the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in held.items():
            signal.signal(sig, handler)


def _check_target(out: Path, shown: str) -> None:
    if out.exists() and not out.is_dir():
        raise OutputError(
            shown,
            t("output_not_a_folder", "en", path=shown),
            zh=t("output_not_a_folder", "zh-TW", path=shown),
        )
    try:
        cwd = Path.cwd().resolve()
    except OSError:
        return
    if cwd == out or out in cwd.parents:
        raise OutputError(
            shown,
            t("output_holds_cwd", "en", path=shown),
            zh=t("output_holds_cwd", "zh-TW", path=shown),
        )


def check_output_target(outdir: str | os.PathLike[str]) -> None:
    """Refuse, before any work, an output path that is a file, holds the working folder, or
    cannot be written (a probe folder is made beside it and removed)."""
    shown = os.fspath(outdir)
    out = Path(outdir).resolve()
    _check_target(out, shown)
    probe = out.with_name(f".{out.name}.exportkit-new-{os.getpid()}-0")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        probe.mkdir(exist_ok=True)
        probe.rmdir()
    except OSError as exc:
        raise output_error(shown, exc) from exc


@contextmanager
def staged_folder(outdir: str | os.PathLike[str]) -> Iterator[Path]:
    """Write a run into a fresh staging folder beside ``outdir``; on success it replaces
    ``outdir`` whole, in one rename.

    The previous run's outputs (as its manifest lists them) go with the old folder, so no
    stale firm file survives; anything else in ``outdir`` is carried into the new one by hard
    links. An exception or Ctrl-C removes the staging folder and leaves ``outdir`` as it was;
    a killed process leaves a hidden staging folder that the next run removes. Every
    ``OSError`` becomes one :class:`~exportkit.errors.OutputError` naming ``outdir``.
    """
    shown = os.fspath(outdir)
    out = Path(outdir).resolve()
    _check_target(out, shown)
    token = secrets.token_hex(4)
    staging = out.with_name(f".{out.name}.exportkit-new-{os.getpid()}-{token}")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        _clean_stale(out)
        staging.mkdir()
    except OSError as exc:
        raise output_error(shown, exc) from exc
    try:
        yield staging
        written = sorted(p.name for p in staging.iterdir())
        (staging / MANIFEST).write_text(
            json.dumps({"written_by": "exportkit", "entries": written}, ensure_ascii=False),
            encoding="utf-8",
        )
        _carry_over(out, staging)
        _swap_in(staging, out, token)
    except BaseException as exc:
        with shielded():
            shutil.rmtree(staging, ignore_errors=True)
        cause = _os_error_of(exc) if isinstance(exc, Exception) else None
        if cause is not None and not isinstance(exc, OutputError):
            raise output_error(shown, cause) from exc
        raise
