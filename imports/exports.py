"""Downloads of an import's result: the rows of one class, and the errors, as CSV or XLSX.

CSV is UTF-8 with a byte-order mark (Excel on Japanese Windows then reads it right) and
streams; XLSX is built with openpyxl's write-only workbook. Both are spreadsheet-safe: the
cells come from uploaded files, and none may become a formula (``core.admin_kit
.spreadsheet_safe`` for CSV; in XLSX a cell that openpyxl would store as a formula is stored
as text, as Wagtail's own XLSX export does).
"""

import csv
import io

from core.admin_kit import spreadsheet_safe

from .registry import registry
from .report import ERROR, HEADER_ROW
from .rows import iter_rows

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
FLUSH_CHARS = 64 * 1024


def class_table(job, outcome):
    """(header, rows) of one class of the job: the row number, the preview cells, then what
    changes (classes with changes) or every error of the row (the error class)."""
    result = job.result or {}
    with_changes = outcome in result.get("with_changes", [])
    errors = errors_by_row(result) if outcome == ERROR else None
    header = ["行", *result.get("columns", [])]
    header += ["変更点"] if with_changes else []
    header += ["エラー内容"] if errors is not None else []

    kind = registry.get(job.kind)
    applied = job.state == job.State.APPLIED

    def rows():
        for row in iter_rows(job, outcome):
            cells = kind.shown_cells(row["cells"], applied=applied) if kind else row["cells"]
            line = [row["row"], *cells]
            if with_changes:
                line.append(describe_changes(row["changes"]))
            if errors is not None:
                line.append(errors.get(row["row"], ""))
            yield line

    return header, rows()


def errors_table(job):
    """(header, rows) of every error of the job: row, column, reason."""
    lines = [[HEADER_ROW, "", job.header_error]] if job.header_error else []
    lines += [[error["row"], error["column"], error["message"]] for error in (job.result or {}).get("errors", [])]
    return ["行", "列", "内容"], lines


def errors_by_row(result):
    messages = {}
    for error in result.get("errors", []):
        text = f"{error['column']}: {error['message']}" if error["column"] else error["message"]
        messages.setdefault(error["row"], []).append(text)
    return {row: " / ".join(texts) for row, texts in messages.items()}


def describe_changes(changes):
    return " / ".join(f"{column}: {old or '(空欄)'} → {new or '(空欄)'}" for column, old, new in changes)


def csv_stream(header, rows):
    """The CSV as text pieces for a StreamingHttpResponse: BOM, header, rows (CRLF)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    yield "\ufeff"
    for line in _with_header(header, rows):
        writer.writerow([spreadsheet_safe(cell) for cell in line])
        if buffer.tell() > FLUSH_CHARS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def xlsx_bytes(header, rows, *, title):
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)

    def text_safe(value, font=None):
        cell = WriteOnlyCell(sheet, value=value)
        if cell.data_type == "f":  # "=…" from a file: text, never a formula
            cell.data_type = "s"
        if font is not None:
            cell.font = font
        return cell

    sheet.append([text_safe(name, bold) for name in header])
    for line in rows:
        sheet.append([text_safe(value) for value in line])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _with_header(header, rows):
    yield header
    yield from rows
