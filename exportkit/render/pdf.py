"""HTML → PDF through WeasyPrint: A4, the same templates as the HTML, no network.

The ``url_fetcher`` refuses every URL except ``data:`` URLs (the inline charts) and files under
the package's own ``reports/static`` folder, so a report can never fetch anything — not even
when a firm's name smuggles an ``<img src="http://…">`` past the templates (autoescaping
already stops that; this is the second lock). Chinese is set in Noto Sans CJK TC, Thai in Noto
Sans Thai (Debian ``fonts-noto-cjk``, ``fonts-noto-core``); ``exportkit doctor`` says when
they are missing.
"""

from __future__ import annotations

import logging
import os
from functools import cache
from pathlib import Path

from exportkit.doctor import CJK_FONT, font_file, needs_cjk_font
from exportkit.errors import RefusedURL, RenderError
from exportkit.i18n import os_reason, t
from exportkit.resources import static_dir

log = logging.getLogger(__name__)


def static_root() -> Path:
    """The real folder of ``exportkit.reports/static`` (a wheel or an editable install)."""
    return Path(str(static_dir())).resolve()


def base_url() -> str:
    """WeasyPrint's ``base_url``: relative references resolve inside the static folder only."""
    return static_root().as_uri() + "/"


def check_url(url: str) -> str:
    """Return ``url`` if a report may load it, else raise :class:`RefusedURL`.

    Allowed: ``data:`` URLs and ``file:`` URLs of files inside ``reports/static``.
    """
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme == "data":
        return url
    if scheme == "file":
        from urllib.parse import unquote, urlsplit

        path = Path(unquote(urlsplit(url).path)).resolve()
        root = static_root()
        if path.is_file() and (path == root or root in path.parents):
            return url
    raise RefusedURL(
        f"refused to fetch {url[:200]!r}: reports load only their own static files",
        zh=f"拒絕讀取 {url[:200]!r}：報告只能載入自身的靜態檔案",
    )


@cache
def _fetcher_class():
    import weasyprint

    base = getattr(weasyprint, "URLFetcher", None)
    if base is None:  # WeasyPrint < 66: url_fetcher is a plain function
        return None

    class StaticOnlyFetcher(base):
        """A WeasyPrint URL fetcher that loads only ``data:`` and the package's static files."""

        def __init__(self) -> None:
            super().__init__(allowed_protocols=("data", "file"), allow_redirects=False)
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            try:
                check_url(url)
            except RefusedURL:
                self.refused.append(url)
                raise
            return super().fetch(url, headers)

    return StaticOnlyFetcher


def url_fetcher():
    """A fresh fetcher; its ``refused`` list records what a document tried to load."""
    cls = _fetcher_class()
    if cls is not None:
        return cls()
    from weasyprint import default_url_fetcher

    def fetch(url: str, *args, **kwargs):
        try:
            check_url(url)
        except RefusedURL:
            fetch.refused.append(url)
            raise
        return default_url_fetcher(url, *args, **kwargs)

    fetch.refused = []
    return fetch


@cache
def _font_config():
    # One FontConfiguration per process: building it scans fontconfig, which is slow.
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def require_fonts_for(html: str) -> None:
    """Refuse a document with Chinese text when no CJK font is installed: WeasyPrint would
    print boxes (or, with no usable font at all, crash) and still report success."""
    if needs_cjk_font(html) and font_file(CJK_FONT) is None:
        raise RenderError(
            t("pdf_no_cjk_font", "en", font=CJK_FONT),
            zh=t("pdf_no_cjk_font", "zh-TW", font=CJK_FONT),
        )


def pdf_bytes(html: str) -> bytes:
    """The PDF of a rendered HTML document, as bytes (refused without the fonts it needs)."""
    require_fonts_for(html)
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # missing pango or cairo libraries
        raise RenderError(
            f"WeasyPrint cannot start (system libraries missing?): {exc}",
            zh=f"WeasyPrint 無法啟動（缺少系統函式庫？）：{exc}",
        ) from exc
    fetcher = url_fetcher()
    # WeasyPrint logs every CSS property it does not know (print-color-adjust is for browsers);
    # those are not problems of the report, so keep them out of the user's terminal.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    try:
        document = HTML(string=html, base_url=base_url(), url_fetcher=fetcher)
        data = document.write_pdf(font_config=_font_config())
    except Exception as exc:  # WeasyPrint raises many types; report them as a render failure
        raise RenderError(f"PDF rendering failed: {exc}", zh=f"PDF 產生失敗：{exc}") from exc
    if fetcher.refused:
        log.warning(
            "report tried to fetch %d refused URL(s): %s", len(fetcher.refused), fetcher.refused[:3]
        )
    return data


def write_pdf(html: str, path: str | os.PathLike[str]) -> Path:
    """Write the PDF of ``html`` to ``path`` (atomically: a partial file never remains)."""
    target = Path(path)
    data = pdf_bytes(html)
    tmp = target.with_name(target.name + ".part")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise RenderError(
            f"cannot write {target}: {os_reason(exc, 'en')}",
            zh=f"無法寫入 {target}：{os_reason(exc, 'zh-TW')}",
        ) from exc
    return target


def write_html(html: str, path: str | os.PathLike[str]) -> Path:
    """Write an HTML document (UTF-8) to ``path`` atomically."""
    target = Path(path)
    tmp = target.with_name(target.name + ".part")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(html, encoding="utf-8")
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise RenderError(f"cannot write {target}: {exc}", zh=f"無法寫入 {target}：{exc}") from exc
    return target
