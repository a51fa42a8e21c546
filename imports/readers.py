"""Reading an uploaded spreadsheet into a header row and data rows.

CSV comes as UTF-8 (with or without BOM) or Shift_JIS (Excel's cp932): we try UTF-8
strictly and fall back to cp932. XLSX is read with openpyxl in read-only mode; its cells
keep their types (numbers, dates), which the widgets turn into text or dates.
Row numbers are the spreadsheet's: the header is row 1, the first data row is row 2.

The templates the upload page hands out carry an example row (``registry.ImportKind.example_row``)
whose first cell begins with 「【記入例】」. A row with a cell beginning with 「記入例」 (brackets
allowed before it) is the template's example, never data: the reader leaves it out and names
it (``Table.example_rows``), so a template filled in below its example imports only what staff
typed. Staff who type over the example row overwrite the mark too.
"""

import csv
import io
import unicodedata
from dataclasses import dataclass, field

EXAMPLE_MARK = "【記入例】"
EXAMPLE_WORD = "記入例"
_EXAMPLE_OPENERS = " \u3000【[(（<〈《「『"
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003 (.xls)


class FileFormatError(Exception):
    """The file cannot be read at all; the message is shown to staff as is."""


@dataclass
class Table:
    format: str  # "csv" or "xlsx"
    headers: list  # header cells, normalised (NFKC, stripped)
    rows: list = field(repr=False)  # [(row_number, [cell, ...]), ...] without blank rows
    encoding: str = ""
    example_rows: list = field(default_factory=list)  # row numbers of the template's example rows, left out

    def __len__(self):
        return len(self.rows)


def normalize_header(value):
    if value is None:
        return ""
    return unicodedata.normalize("NFKC", str(value)).replace("\ufeff", "").strip()


def detect_format(data, file_name=""):
    if data.startswith(XLSX_MAGIC):
        return "xlsx"
    if data.startswith(OLE_MAGIC) or file_name.lower().endswith(".xls"):
        raise FileFormatError(
            "Excel 97-2003 形式(.xls)のファイルは読み込めません。Excel で「Excel ブック(.xlsx)」"
            "または「CSV」形式で保存し直してください。"
        )
    return "csv"


def decode_csv(data):
    """Text and the encoding used: UTF-8 (BOM or not) first, strictly; then cp932."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileFormatError(
            "UTF-16 のファイルは読み込めません。「CSV UTF-8(コンマ区切り)」または「CSV(コンマ区切り)」で保存してください。"
        )
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp932"), "cp932"
    except UnicodeDecodeError as exc:
        raise FileFormatError(
            "文字コードを判別できません。UTF-8 または Shift_JIS(Excel の「CSV(コンマ区切り)」)で保存してください。"
        ) from exc


def _is_blank(cells):
    for cell in cells:
        if cell is not None and (not isinstance(cell, str) or cell.strip()):
            return False
    return True


def is_example(cells):
    """A row of the template's example: one of its cells begins with 「記入例」 (e.g. 「【記入例】0012345」)."""
    for cell in cells:
        if cell.__class__ is str and EXAMPLE_WORD in cell and cell.lstrip(_EXAMPLE_OPENERS).startswith(EXAMPLE_WORD):
            return True
    return False


def _split(records, examples=None):
    """Header (first non-blank row) and the numbered non-blank rows after it.

    With ``examples`` (a list), example rows are left out and their numbers appended to it.
    """
    headers = None
    rows = []
    for number, cells in records:
        if headers is None:
            if _is_blank(cells):
                continue
            headers = [normalize_header(cell) for cell in cells]
            while headers and not headers[-1]:
                headers.pop()
            continue
        first = cells[0] if cells else None
        if not (first.__class__ is str and first.strip()) and _is_blank(cells):  # a first cell filled in: not blank
            continue
        if examples is not None and is_example(cells):
            examples.append(number)
            continue
        rows.append((number, cells))
    if headers is None:
        raise FileFormatError("ファイルが空です。1行目に見出し、2行目からデータを入れてください。")
    return headers, rows


def read_csv(data):
    text, encoding = decode_csv(data)
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        # Rows are numbered by record, as Excel shows them (a quoted line break stays in its row).
        records = enumerate(reader, start=1)
        # Only a file with the word in it is looked at row by row (a 100,000-row sheet without it costs nothing).
        examples = [] if EXAMPLE_WORD in text else None
        headers, rows = _split(records, examples)
    except csv.Error as exc:
        raise FileFormatError(f"CSV の形式が正しくありません({exc})。") from exc
    return Table(format="csv", headers=headers, rows=rows, encoding=encoding, example_rows=examples or [])


def read_xlsx(data):
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise FileFormatError("Excel ファイルを開けません。ファイルが壊れていないか確認してください。") from exc
    try:
        sheet = workbook.worksheets[0]
        records = enumerate(sheet.iter_rows(values_only=True), start=1)
        examples = []
        headers, rows = _split(records, examples)
    finally:
        workbook.close()
    return Table(format="xlsx", headers=headers, rows=rows, example_rows=examples)


def read_table(data, file_name=""):
    if not data:
        raise FileFormatError("ファイルが空です。")
    if detect_format(data, file_name) == "xlsx":
        return read_xlsx(data)
    return read_csv(data)


def estimate_rows(data, file_name=""):
    """A cheap row count to decide between running now and in the background."""
    try:
        kind = detect_format(data, file_name)
    except FileFormatError:
        return 0
    if kind == "csv":
        return max(0, data.count(b"\n") + (0 if data.endswith(b"\n") else 1) - 1)
    try:
        import openpyxl

        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        try:
            return max(0, (workbook.worksheets[0].max_row or 1) - 1)
        finally:
            workbook.close()
    except Exception:
        return 0
