"""The .xlsx container, opened defensively before any cell is read.

An .xlsx is a zip of XML parts. Before python-calamine reads a sheet we check what a bad file
could do: not a zip at all (CSV/text renamed), a legacy .xls or an encrypted workbook (both OLE
compound files), a corrupt zip, macros (.xlsm), a zip bomb, XML with a DTD (entity expansion,
"billion laughs"; external entities), and sheets whose cell references span an absurd area
(calamine allocates the whole rectangle, so two cells at A1 and XFD1048576 would exhaust
memory).

Zip bombs are caught twice: from the sizes the zip directory declares (cheap, before
anything is inflated), and while inflating, because the directory can lie. Every part is
inflated once here with a byte cap (``MAX_UNCOMPRESSED_BYTES`` for the whole workbook), its
real size and checksum compared with the directory, and every XML part searched for a DTD
(a part whose compressed bytes passed all that in an earlier workbook is taken as it was:
workbooks from one template share most parts).
The parts are kept, so the checks below read them without inflating again, and calamine gets
them as an uncompressed zip (``XlsxPackage.stored``): it never inflates anything itself.

Defined names come from ``xl/workbook.xml``; XML is parsed with defusedxml (DTDs forbidden).
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from xml.etree import ElementTree

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as DefusedElementTree

from exportkit.errors import HostileXML, WorkbookError, WorkbookErrors
from exportkit.questionnaire.stored_zip import stored_zip

MAX_FILE_BYTES = 10 * 1024 * 1024  # a filled questionnaire is ~30 KB
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
MAX_PARTS = 500
MAX_SHEET_ROWS = 10_000  # rows 1..9999: a reference with 5+ digits is refused
MAX_SHEET_COLUMNS = 100  # columns A..CV
MAX_SHEET_BYTES = 2 * 1024 * 1024  # uncompressed sheet XML; a questionnaire sheet is ~40 KB

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
ODF_MIMETYPE = b"application/vnd.oasis.opendocument"
NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"

_REF = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Z]{1,3})\$?(\d+)$")
# A row of 5+ digits (row 10000 on) or a column beyond CV, in <row r=".."> or <c r="..">.
# Starts with a literal so the regex engine can skip ahead fast.
_FAR_REF = re.compile(rb' r="(?:[A-Z]{0,3}\d{5}|(?:[A-Z]{3}|[D-Z][A-Z]|C[W-Z])\d)')
# A superset of _FAR_REF (any two-letter column, any 5-digit row) that is twice as fast to
# search: a questionnaire uses columns A–E, so it never matches and _FAR_REF never runs.
_MAYBE_FAR = re.compile(rb' r="[A-Z]*[0-9]{5}| r="[A-Z][A-Z]')
_F_TAG = re.compile(rb"<f[ >]")  # literal-prefixed: much faster than one alternation
_F_TAG_NS = re.compile(rb":f[ >]")
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_STYLE_ATTR = re.compile(rb'\ss="(\d+)"')
# Built-in number formats 9 (0%) and 10 (0.00%); a custom format is a percent when it has a
# "%" outside quotes and escapes (Excel multiplies the value by 100 for each such "%").
PERCENT_BUILTIN_FORMATS = frozenset({9, 10})
_QUOTED = re.compile(r'"[^"]*"|\\.')


def _error(file: str, en: str, zh: str, **kw) -> WorkbookErrors:
    return WorkbookErrors(file, [WorkbookError(file, en, zh, **kw)])


def column_index(letters: str) -> int:
    """``A`` → 1, ``AB`` → 28."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


@dataclass(frozen=True, slots=True)
class CellRef:
    """A cell of a named sheet (a defined name's target)."""

    sheet: str
    column: str
    row: int

    @property
    def cell(self) -> str:
        return f"{self.column}{self.row}"


@dataclass
class XlsxPackage:
    """An opened, size-checked .xlsx: its bytes, sheet names → part paths, defined names."""

    file: str
    data: bytes
    zip: zipfile.ZipFile
    parts: dict[str, bytes] = field(default_factory=dict, repr=False)  # inflated, checked
    crcs: dict[str, int] = field(default_factory=dict, repr=False)  # part → directory CRC-32
    sheets: dict[str, str] = field(default_factory=dict)  # sheet name → zip part
    names: dict[str, str] = field(default_factory=dict)  # defined name → raw reference
    _percent_styles_found: frozenset[int] | None = field(default=None, repr=False)

    def read_part(self, part: str) -> bytes:
        """One part of the zip, or a ``WorkbookErrors`` naming the damaged part."""
        if part in self.parts:
            return self.parts[part]
        try:
            return self.zip.read(part)
        except (zipfile.BadZipFile, zlib.error, EOFError, KeyError) as exc:
            raise _error(
                self.file,
                f"an intact workbook; part {part} is damaged ({exc})",
                f"完整的活頁簿；{part} 已損壞（{exc}）",
            ) from None

    def stored(self) -> bytes:
        """The checked parts as an uncompressed zip, for calamine: it reads them without
        inflating every sheet a second time, and checks each against the original CRC-32."""
        return stored_zip((name, data, self.crcs[name]) for name, data in self.parts.items())

    def percent_cells(self, xml: bytes, cells: set[str]) -> set[str]:
        """Those of ``cells`` (``C12``) whose number format is a percentage (``0%``).

        Excel and LibreOffice store a typed ``60%`` as 0.6 and show it through such a format,
        so the reader needs the format to know what was meant.
        """
        if not self._percent_styles():
            return set()
        tags = {}
        for cell in cells:
            m = re.search(rb'<(?:\w+:)?c\b[^>]*?\br="' + cell.encode() + rb'"[^>]*>', xml)
            if m:
                tags[cell] = m.group(0)
        return self.percent_tags(tags)

    def percent_tags(self, tags: dict[str, bytes]) -> set[str]:
        """Those cells whose start tag (``<c r="C12" s="7">``) has a percent style."""
        percent_styles = self._percent_styles()
        found = set()
        for cell, tag in tags.items():
            style = _STYLE_ATTR.search(tag)
            if style and int(style.group(1)) in percent_styles:
                found.add(cell)
        return found

    def _percent_styles(self) -> frozenset[int]:
        """Indexes into ``cellXfs`` of styles with a percent number format (cached)."""
        if self._percent_styles_found is not None:
            return self._percent_styles_found
        part = "xl/styles.xml"
        styles = _percent_styles_of(self.parts[part]) if part in self.parts else frozenset()
        self._percent_styles_found = styles
        return styles

    def resolve(self, name: str) -> CellRef | None:
        """The single cell a defined name points to, or ``None`` (missing, #REF!, a range)."""
        raw = self.names.get(name)
        return None if raw is None else _parse_ref(raw)

    def check_sheet_size(self, sheet: str, xml: bytes) -> None:
        """Refuse a sheet whose cells span an absurd area before calamine allocates it.

        One regex search for a reference to row 10000+ or a column beyond CV, plus a size cap
        on the sheet XML (which bounds cells written without references).
        """
        if sheet_size_ok(xml):
            return
        far = _FAR_REF.search(xml)
        if far or len(xml) > MAX_SHEET_BYTES:
            where = far.group(0).decode("ascii", "replace") if far else f"{len(xml) >> 20} MB"
            raise _error(
                self.file,
                f"a questionnaire sheet of normal size (fewer than {MAX_SHEET_ROWS} rows, "
                f"{MAX_SHEET_COLUMNS} columns, {MAX_SHEET_BYTES >> 20} MB of XML)",
                f"正常大小的問卷工作表（少於 {MAX_SHEET_ROWS} 列、{MAX_SHEET_COLUMNS} 欄、"
                f"{MAX_SHEET_BYTES >> 20} MB XML）",
                sheet=sheet,
                got=f"a cell reference far outside the questionnaire ({where.strip()})",
                got_zh=f"遠在問卷範圍外的儲存格參照（{where.strip()}）",
            )

    def formula_cells(self, xml: bytes) -> set[str]:
        """References of cells in this sheet XML that hold a formula (``<f>``)."""
        # The usual case: no formula element (<f> / <f t=..> / <x:f>) at all, so no XML parse.
        # A false hit (such text inside a prompt) only costs the precise parse below.
        if not (_F_TAG.search(xml) or _F_TAG_NS.search(xml)):
            return set()
        root = parse_xml(xml)
        found = set()
        for c in root.iter(f"{NS_MAIN}c"):
            if c.find(f"{NS_MAIN}f") is not None:
                found.add(c.get("r", ""))
        return found


@lru_cache(maxsize=64)
def _percent_styles_of(styles_xml: bytes) -> frozenset[int]:
    # Cached on the bytes: workbooks from one template share their styles.xml (parsing it
    # was a tenth of a questionnaire's import).
    try:
        return _percent_styles(parse_xml(styles_xml))
    except (ElementTree.ParseError, HostileXML):
        return frozenset()  # unreadable styles: no cell counts as a percentage


def sheet_size_ok(xml: bytes) -> bool:
    """No cell reference beyond row 9999 or column CV, at most ``MAX_SHEET_BYTES`` of XML."""
    if len(xml) > MAX_SHEET_BYTES:
        return False
    return not _MAYBE_FAR.search(xml) or not _FAR_REF.search(xml)


@lru_cache(maxsize=64)
def plain_targets(rels_xml: bytes) -> bool:
    """Every relationship target resolves to the same part for calamine as for
    ``_parse_workbook_xml`` (relative, or absolute under ``/xl/``; quoted, no entities)."""
    targets = re.findall(rb'\sTarget="([^"&]*)"', rels_xml)
    if len(targets) != rels_xml.count(b"Target="):
        return False
    return all(t.startswith(b"/xl/") or not t.startswith((b"/", b"xl/")) for t in targets)


def _percent_styles(root: ElementTree.Element) -> frozenset[int]:
    custom = {}
    for fmt in root.iter(f"{NS_MAIN}numFmt"):
        try:
            custom[int(fmt.get("numFmtId", ""))] = fmt.get("formatCode", "")
        except ValueError:
            continue
    xfs = root.find(f"{NS_MAIN}cellXfs")
    found = set()
    for index, xf in enumerate(xfs if xfs is not None else ()):
        try:
            fmt_id = int(xf.get("numFmtId", "0"))
        except ValueError:
            continue
        code = custom.get(fmt_id)
        if fmt_id in PERCENT_BUILTIN_FORMATS or (code and "%" in _QUOTED.sub("", code)):
            found.add(index)
    return frozenset(found)


@lru_cache(maxsize=4096)
def _parse_ref(raw: str) -> CellRef | None:
    # Cached: every workbook from one template has the same references.
    m = _REF.match(raw.strip().lstrip("="))
    if not m:
        return None
    sheet = (m.group(1) or "").replace("''", "'") or m.group(2)
    return CellRef(sheet, m.group(3), int(m.group(4)))


def parse_ref(raw: str) -> CellRef | None:
    """The single cell of a defined name's reference (``'S'!$C$5``), or ``None``."""
    return _parse_ref(raw)


def parse_xml(data: bytes) -> ElementTree.Element:
    """Parse a workbook XML part, refusing a DTD (entity expansion, external entities).

    OOXML parts never carry a DTD, so one is refused outright: a fast search first (a clear
    error before any parsing), then defusedxml with ``forbid_dtd`` as the parser itself.
    """
    if _DTD.search(data):
        raise HostileXML("DTD or entity declaration")
    try:
        return DefusedElementTree.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise HostileXML(f"DTD or entity declaration ({type(exc).__name__})") from None


def open_package(path: str | Path, max_bytes: int = MAX_FILE_BYTES) -> XlsxPackage:
    """Open ``path`` as an .xlsx, refusing anything unsafe or not a workbook.

    Raises ``WorkbookErrors`` (one whole-file problem) naming the file and what was expected.
    """
    file = str(path)
    p = Path(path)
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise _error(file, "a readable file", "可讀取的檔案", got=exc.strerror) from None
    if not p.is_file():
        raise _error(file, "a file", "檔案", got="a folder or device", got_zh="資料夾或裝置")
    if size > max_bytes:
        raise _error(
            file,
            f"a workbook of at most {max_bytes // 1024 // 1024} MB",
            f"不超過 {max_bytes // 1024 // 1024} MB 的活頁簿",
            got=f"{size / 1024 / 1024:.1f} MB",
            got_zh=f"{size / 1024 / 1024:.1f} MB",
        )
    suffix = p.suffix.lower()
    if suffix == ".xlsm":
        raise _error(
            file,
            "an .xlsx workbook without macros (save as .xlsx, not .xlsm)",
            "不含巨集的 .xlsx 活頁簿（請另存為 .xlsx，而非 .xlsm）",
            got=".xlsm (macro-enabled)",
            got_zh="含巨集的 .xlsm 檔",
        )
    try:
        data = p.read_bytes()
    except OSError as exc:  # locked by another program, no permission, vanished
        raise _error(file, "a readable file", "可讀取的檔案", got=exc.strerror) from None
    if data.startswith(OLE_MAGIC):
        if "EncryptionInfo".encode("utf-16-le") in data:
            raise _error(
                file,
                "a workbook without a password (remove the password in Excel: File → Info → "
                "Protect Workbook → Encrypt with Password, clear it, save)",
                "未加密碼的活頁簿（請在 Excel：檔案 → 資訊 → 保護活頁簿 → 以密碼加密，清除密碼後存檔）",
                got="an encrypted, password-protected workbook",
                got_zh="以密碼加密的活頁簿",
            )
        raise _error(
            file,
            "an .xlsx workbook (Excel 2007 or later; save the legacy .xls as .xlsx)",
            ".xlsx 活頁簿（Excel 2007 以後格式；請將舊版 .xls 另存為 .xlsx）",
            got="a legacy Excel 97–2003 .xls file",
            got_zh="舊版 Excel 97–2003 .xls 檔",
        )
    if not data.startswith(ZIP_MAGIC):
        sample = data[:40].decode("utf-8", "replace").strip()
        kind = "an empty file" if not data else f"text starting {sample!r}"
        kind_zh = "空白檔案" if not data else f"以「{sample}」開頭的文字檔"
        raise _error(
            file,
            "an Excel .xlsx workbook made from an exportkit template",
            "由 exportkit 範本產生的 Excel .xlsx 活頁簿",
            got=f"not an Excel file ({kind})",
            got_zh=f"非 Excel 檔（{kind_zh}）",
        )
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError) as exc:
        raise _error(
            file,
            "an intact .xlsx workbook (the file is damaged; ask for it again)",
            "完整的 .xlsx 活頁簿（檔案已損壞，請重新索取）",
            got=f"a corrupt zip ({exc})",
            got_zh=f"損壞的壓縮檔（{exc}）",
        ) from None
    total = sum(i.file_size for i in infos)
    if len(infos) > MAX_PARTS or total > MAX_UNCOMPRESSED_BYTES:
        raise _error(
            file,
            f"a workbook of normal size (at most {MAX_UNCOMPRESSED_BYTES // 1024 // 1024} MB "
            "uncompressed)",
            f"正常大小的活頁簿（解壓縮後最多 {MAX_UNCOMPRESSED_BYTES // 1024 // 1024} MB）",
            got=f"{len(infos)} parts, {total / 1024 / 1024:.0f} MB uncompressed (a zip bomb?)",
            got_zh=f"{len(infos)} 個部分、解壓縮後 {total / 1024 / 1024:.0f} MB（疑似壓縮炸彈）",
        )
    part_names = {i.filename for i in infos}
    if any(n.lower().endswith("vbaproject.bin") for n in part_names):
        raise _error(
            file,
            "an .xlsx workbook without macros",
            "不含巨集的 .xlsx 活頁簿",
            got="a workbook with VBA macros",
            got_zh="含 VBA 巨集的活頁簿",
        )
    if "mimetype" in part_names and zf.read("mimetype").startswith(ODF_MIMETYPE):
        raise _error(
            file,
            "an Excel .xlsx workbook (in LibreOffice: File → Save As → Excel 2007-365 .xlsx)",
            "Excel .xlsx 活頁簿（LibreOffice：檔案 → 另存新檔 → Excel 2007-365 .xlsx）",
            got="an OpenDocument spreadsheet (.ods)",
            got_zh="OpenDocument 試算表（.ods）",
        )
    if "xl/workbook.xml" not in part_names:
        raise _error(
            file,
            "an Excel .xlsx workbook made from an exportkit template",
            "由 exportkit 範本產生的 Excel .xlsx 活頁簿",
            got="a zip file that is not an Excel workbook",
            got_zh="不是 Excel 活頁簿的壓縮檔",
        )
    parts = _inflate_parts(file, data, infos)
    crcs = {i.filename: i.CRC for i in infos}  # last entry wins, as in ``parts``
    pkg = XlsxPackage(file, data, zf, parts=parts, crcs=crcs)
    _read_workbook_xml(pkg, part_names)
    return pkg


_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature … file name length, extra length
_XML_PART = (".xml", ".rels", ".vml")


def _inflate_parts(file: str, data: bytes, infos: list[zipfile.ZipInfo]) -> dict[str, bytes]:
    """Every part inflated once, with a cap on the bytes inflated, not on the declared sizes.

    A part must inflate to exactly the size its directory entry declares; the
    whole workbook to at most ``MAX_UNCOMPRESSED_BYTES``. Each XML part is searched for a DTD.
    zlib stops at ``max_length``, so a lying directory costs at most the cap, never gigabytes.
    """
    budget = MAX_UNCOMPRESSED_BYTES
    parts: dict[str, bytes] = {}
    for info in infos:
        if info.is_dir():
            continue
        name = info.filename
        if info.flag_bits & 0x1 or info.compress_type not in (
            zipfile.ZIP_STORED,
            zipfile.ZIP_DEFLATED,
        ):
            raise _damaged(file, name, "encrypted or compressed in a way Excel never writes")
        start = info.header_offset
        try:
            magic, name_len, extra_len = _LOCAL_HEADER.unpack_from(data, start)
        except struct.error:
            magic = b""
        if magic != ZIP_MAGIC:
            raise _damaged(file, name, "its local header is missing")
        body = start + _LOCAL_HEADER.size + name_len + extra_len
        raw = data[body : body + info.compress_size]
        is_xml = name.lower().endswith(_XML_PART)
        key = (raw, info.compress_type, info.file_size, info.CRC, is_xml)
        part = _CHECKED.pop(key, None)
        if part is not None:  # these very bytes passed every check below before
            _CHECKED[key] = part  # now the most recently used
            if len(part) > budget:
                raise _bomb(file, name, info.file_size)
            budget -= len(part)
            parts[name] = part
            continue
        if info.compress_type == zipfile.ZIP_STORED:
            part = raw[: budget + 1]
        else:
            inflater = zlib.decompressobj(-zlib.MAX_WBITS)
            try:
                part = inflater.decompress(raw, budget + 1)
            except zlib.error as exc:
                raise _damaged(file, name, str(exc)) from None
        if len(part) > budget:
            raise _bomb(file, name, info.file_size)
        if len(part) != info.file_size:
            if len(part) > info.file_size:
                raise _bomb(file, name, info.file_size)
            raise _damaged(file, name, "its size does not match the zip directory")
        # Checked here (~0.07 ms a workbook): calamine reads the stored copy (stored_zip.py)
        # and does not verify checksums itself.
        if zlib.crc32(part) != info.CRC:
            raise _damaged(file, name, "its checksum does not match the zip directory")
        budget -= len(part)
        if is_xml and _DTD.search(part):
            raise _error(
                file,
                "a workbook without a DTD or XML entity declarations (they are never in a "
                "real workbook; entity expansion can exhaust memory)",
                "不含 DTD 或 XML 實體宣告的活頁簿（正常活頁簿不會有；實體展開可耗盡記憶體）",
                got=f"a DTD in {name}",
                got_zh=f"{name} 含 DTD",
            )
        parts[name] = part
        _remember(key, part)
    return parts


def _remember(key: tuple[bytes, int, int, int, bool], part: bytes) -> None:
    # Kept from the second sighting on, so parts unique to one file (the answer sheets)
    # never push out the shared ones; the least recently used goes first.
    if len(part) > _CHECKED_PART_MAX:
        return
    digest = hash(key)
    if digest not in _SEEN:
        if len(_SEEN) >= _SEEN_MAX:
            _SEEN.clear()
        _SEEN.add(digest)
        return
    if len(_CHECKED) >= _CHECKED_PARTS:
        del _CHECKED[next(iter(_CHECKED))]
    _CHECKED[key] = part


# Parts that passed the checks, by their compressed bytes and directory entry: workbooks from
# one template share most parts byte for byte (theme, styles, workbook.xml, the instructions,
# lists and _meta sheets: a third of the inflating), so a batch inflates and searches each
# once. The checks depend on nothing else, so a part found here passed them in this file too;
# only the workbook's total budget is counted again. Bounded: 64 parts of at most 256 KB.
_CHECKED: dict[tuple[bytes, int, int, int, bool], bytes] = {}
_CHECKED_PARTS = 64
_CHECKED_PART_MAX = 256 * 1024
_SEEN: set[int] = set()  # hashes of parts inflated once
_SEEN_MAX = 4096


def _bomb(file: str, part: str, declared: int) -> WorkbookErrors:
    cap = MAX_UNCOMPRESSED_BYTES >> 20
    return _error(
        file,
        f"a workbook of normal size (at most {cap} MB uncompressed)",
        f"正常大小的活頁簿（解壓縮後最多 {cap} MB）",
        got=f"{part} inflates beyond {cap} MB while its zip directory declares "
        f"{declared:,} bytes (a zip bomb?)",
        got_zh=f"{part} 解壓縮超過 {cap} MB，但壓縮目錄只宣告 {declared:,} 位元組（疑似壓縮炸彈）",
    )


def _damaged(file: str, part: str, why: str) -> WorkbookErrors:
    return _error(
        file,
        f"an intact workbook; part {part} is damaged ({why})",
        f"完整的活頁簿；{part} 已損壞（{why}）",
    )


def _read_workbook_xml(pkg: XlsxPackage, part_names: set[str]) -> None:
    workbook_xml = pkg.read_part("xl/workbook.xml")
    rels_xml = (
        pkg.read_part("xl/_rels/workbook.xml.rels")
        if "xl/_rels/workbook.xml.rels" in part_names
        else b"<Relationships/>"
    )
    try:
        sheets, names = _parse_workbook_xml(workbook_xml, rels_xml)
    except ElementTree.ParseError as exc:
        raise _error(
            pkg.file,
            "an intact workbook (xl/workbook.xml is not valid XML)",
            "完整的活頁簿（xl/workbook.xml 格式錯誤）",
            got=str(exc),
        ) from None
    except HostileXML as exc:
        raise _error(
            pkg.file,
            "a workbook without XML entity declarations",
            "不含 XML 實體宣告的活頁簿",
            got=f"{exc} in xl/workbook.xml",
            got_zh="xl/workbook.xml 含 DTD 或實體宣告",
        ) from None
    pkg.sheets, pkg.names = dict(sheets), dict(names)


@lru_cache(maxsize=64)
def _parse_workbook_xml(
    workbook_xml: bytes, rels_xml: bytes
) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """(sheet name, part) and (defined name, reference) pairs.

    Cached on the bytes: workbooks made from one template share an identical workbook.xml,
    so a batch parses it once.
    """
    root = parse_xml(workbook_xml)
    rels_root = parse_xml(rels_xml)
    targets = {}
    for rel in rels_root.iter(f"{NS_PKG_REL}Relationship"):
        target = rel.get("Target", "")
        target = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        targets[rel.get("Id")] = target
    sheets = []
    for sheet in root.iter(f"{NS_MAIN}sheet"):
        name = sheet.get("name")
        if name is not None:
            sheets.append((name, targets.get(sheet.get(f"{NS_REL}id"), "")))
    names = []
    for dn in root.iter(f"{NS_MAIN}definedName"):
        name = dn.get("name")
        if name and dn.get("localSheetId") is None:
            names.append((name, dn.text or ""))
    return tuple(sheets), tuple(names)
