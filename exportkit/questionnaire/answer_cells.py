"""The answer cells of a sheet, cut out of its XML byte for byte.

calamine spent most of a questionnaire's import parsing whole sheets (prompts, help texts,
a hundred numeric character references a sheet) to yield the six or seven cells the reader
looks at. ``cell_elements`` finds each answer cell's ``<c>`` element with a few byte searches;
``answers_sheet`` puts those elements, unchanged but for their position, into one small
sheet that calamine then reads with the workbook's own styles and shared strings. The value
of a cell depends only on its element, the number formats, the shared strings and the 1904
date flag, so calamine decodes each answer as it would in the full sheet (dates, percent
formats, shared and inline strings, rich text, booleans, errors alike).

A sheet is cut only in the plain form every spreadsheet program writes; anything else
(``None``) is read whole as before: cells without an ``r`` reference or with a namespace
prefix (calamine would place or match them differently), comments, CDATA and processing
instructions (which could hide markup), an unusual cell tag, a sheet that does not end with
``</worksheet>`` (cut short: calamine reports it as damaged), an encoding other than UTF-8.

Not checked, as it would cost a full parse: the markup between the answer cells, and a
second element for the same cell. No program writes either (and the zip checksum rules out
damage in transit); a file crafted so reads its answers where calamine would refuse the
sheet, or the first of two elements where calamine keeps the last. Either way only that
file's own answers are concerned, which its sender controls anyway: every safety check
(size, far references, DTD) still covers the whole sheet.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# The tag of a plain cell: the reference first, then attributes other than a second ``r``,
# quoted without "<" or ">" (so the first ">" ends the tag).
_CELL_TAG = re.compile(
    rb'<c r="[A-Z]{1,3}[1-9][0-9]{0,6}"(?:\s+(?!r=)[A-Za-z][\w:.-]*="[^"<>]*")*\s*/?>'
)
# One search each over the sheet (~15 µs for a questionnaire sheet; a bytes.find is slower):
# a cell tag without ``r`` first, a comment, CDATA or processing instruction; a cell with a
# namespace prefix. Alternations that do not start with one literal are much slower.
_UNPLAIN = re.compile(rb'<(?:c[>/\t\n\r]|c (?!r=")|[!?])')
_PREFIXED_CELL = re.compile(rb":c[\s>/]")
_UTF8 = re.compile(rb"""encoding=["']utf-8["']""", re.IGNORECASE)
_END = b"</worksheet>"
NS_MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def plain_sheet(xml: bytes) -> bool:
    """Whether answer cells can be cut out of this sheet XML exactly (see the module doc)."""
    if not xml[-64:].rstrip().endswith(_END) or b"<sheetData" not in xml:
        return False
    body = 0
    if xml.startswith((b"<?xml", b"\xef\xbb\xbf<?xml")):
        body = xml.find(b"?>") + 2
        head = xml[:body]
        if b"encoding" in head and not _UTF8.search(head):
            return False  # UTF-16 or a legacy code page: the bytes cannot be spliced
    elif not xml.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return False
    return not (_UNPLAIN.search(xml, body) or _PREFIXED_CELL.search(xml))


def cell_elements(xml: bytes, cells: list[str]) -> list[bytes | None] | None:
    """Each cell's ``<c>`` element (``None``: not in the sheet, so blank), or ``None`` when
    the sheet is not plain or a cell is unusual: then the sheet must be read whole.

    ``cells`` in sheet order (row by row) make this one pass over the XML.
    """
    if not plain_sheet(xml):
        return None
    out: list[bytes | None] = []
    pos = 0
    for cell in cells:
        needle = b'<c r="' + cell.encode("ascii") + b'"'
        at = xml.find(needle, pos)
        if at < 0:
            at = xml.find(needle, 0, pos + len(needle))
            if at < 0:
                out.append(None)
                continue
        pos = at
        end = xml.find(b">", at)
        tag = xml[at : end + 1]
        if not _CELL_TAG.fullmatch(tag):
            return None
        if tag.endswith(b"/>"):
            out.append(tag)
            continue
        close = xml.find(b"</c>", end)
        body = xml[end:close]
        if close < 0 or b"<c " in body or b"</row" in body or b"<!" in body:
            return None
        out.append(xml[at : close + 4])
    return out


def answers_sheet(elements: Iterable[bytes]) -> bytes:
    """A sheet holding ``elements`` one a row in column A, in order (row 1, 2, …)."""
    rows = []
    for row, element in enumerate(elements, 1):
        rest = element[element.index(b'"', 6) + 1 :]  # after the original reference
        rows.append(b'<row r="%d"><c r="A%d"%s</row>' % (row, row, rest))
    return b'<worksheet xmlns="%s"><sheetData>%s</sheetData></worksheet>' % (
        NS_MAIN,
        b"".join(rows),
    )
