"""The one Jinja2 environment of exportkit's reports.

Templates load through ``importlib.resources`` from ``exportkit.reports/templates`` (works from
a wheel or an editable install, from any working directory). Autoescaping is on for every
template name ending in ``.html``, ``.html.j2`` or ``.j2`` — ``select_autoescape()``'s default
would leave ``*.html.j2`` unescaped — and ``StrictUndefined`` makes a misspelt variable an
error rather than an empty string in a client's report.
"""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, FunctionLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from exportkit import formatting
from exportkit.errors import RenderError
from exportkit.resources import static_dir, templates_dir


def _load_template(name: str) -> tuple[str, None, callable] | None:
    # Refuse anything that is not a plain file name under templates/ (no "../").
    if "/" in name or "\\" in name or name.startswith("."):
        return None
    node = templates_dir() / name
    if not node.is_file():
        return None
    return node.read_text(encoding="utf-8"), None, lambda: True


@cache
def static_text(name: str) -> str:
    """A file of ``reports/static`` (CSS, JS) as text, read once per process."""
    if "/" in name or "\\" in name or name.startswith("."):
        raise RenderError(f"not a static file name: {name!r}", zh=f"不是靜態檔案名稱：{name!r}")
    node = static_dir() / name
    if not node.is_file():
        raise RenderError(
            f"missing static file {name!r} in exportkit.reports/static",
            zh=f"exportkit.reports/static 中缺少靜態檔案 {name!r}",
        )
    return node.read_text(encoding="utf-8")


def _inline_css(*names: str) -> Markup:
    # Package files, not user input: safe to insert unescaped inside <style>.
    return Markup("\n".join(static_text(n) for n in names))


def _inline_js(name: str) -> Markup:
    return Markup(static_text(name))


def _bare_url(url: str) -> str:
    """A URL as people read it: no scheme, no trailing slash (``www.iti.org.tw``)."""
    for prefix in ("https://", "http://"):
        if url.startswith(prefix):
            url = url[len(prefix) :]
    return url.rstrip("/")


def _fmt(text: str, **kwargs: object) -> str:
    """Fill ``{placeholders}`` of a label; the values are escaped by autoescape on output."""
    return text.format(**kwargs)


@cache
def environment() -> Environment:
    """The shared environment (created once per process; Jinja caches compiled templates)."""
    env = Environment(
        loader=FunctionLoader(_load_template),
        autoescape=select_autoescape(
            enabled_extensions=("html", "html.j2", "j2", "xml"),
            default_for_string=True,
            default=True,
        ),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        cache_size=64,
    )
    env.filters.update(
        money=lambda v, lang, currency="USD": formatting.money(v, currency, lang),
        percent=lambda v, lang, digits=1: formatting.percent(v, lang, digits),
        share=lambda v, lang, digits=0: formatting.share(v, lang, digits),
        signed=lambda v, lang, digits=1: formatting.signed(v, lang, digits),
        number=lambda v, lang, digits=0: formatting.decimal(v, lang, digits),
        large=lambda v, lang: formatting.large_number(v, lang),
        longdate=lambda v, lang: formatting.long_date(v, lang),
        shortdate=lambda v, lang: formatting.short_date(v, lang),
        fmt=_fmt,
        bare_url=_bare_url,
    )
    env.globals.update(inline_css=_inline_css, inline_js=_inline_js)
    return env
