"""The spreadsheets the imports hand out: templates and pre-filled sheets, as CSV or XLSX.

A template (``ImportKind.template_csv`` / ``template_xlsx``) is the header row and one example
row whose first cell begins with 「【記入例】」 (``readers.EXAMPLE_MARK``): the reader leaves
such a row out, so a template filled in below its example, or uploaded with it, never imports
the example. The XLSX has the same first sheet (the one the import reads; the example row in
grey), a sheet 「記入方法」 with each column's rules and the kind's notes, and whatever sheets
the kind adds (the attendance import: 「セッション一覧」).

CSV is UTF-8 with a BOM so that Excel reads the Japanese right; a cell that could be read as a
formula (a member's name, a session's title) is escaped (``core.admin_kit.spreadsheet_safe``), in
CSV and XLSX alike (openpyxl would write a string starting with ``=`` as a formula). Columns whose leading zeros
matter (``ImportField.text_column``) are formatted as text in the XLSX, also on the empty rows
below, so that what staff type there keeps its zeros.
"""

import csv
import io

from core.admin_kit import spreadsheet_safe

from .readers import EXAMPLE_MARK

BLANK_TEXT_ROWS = 1000  # empty rows below the data formatted as text in text columns
EXAMPLE_COLOUR = "808080"
READ_ONLY_FILL = "EEEEEE"


def csv_bytes(headers, rows):
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows([spreadsheet_safe(value) for value in row] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def new_workbook():
    import openpyxl

    return openpyxl.Workbook()


def workbook_bytes(workbook):
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def fill_table(sheet, headers, rows, *, text_columns=(), reference_columns=(), example_rows=0, date_columns=()):
    """Header row (bold, frozen) and ``rows`` below it.

    ``text_columns``: headers formatted as text (also on BLANK_TEXT_ROWS empty rows below);
    ``reference_columns``: headers shown for reading only (shaded); ``example_rows``: how many of
    the first rows are examples (grey, italic); ``date_columns``: headers shown as 2024/04/01.
    """
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    example_font = Font(italic=True, color=EXAMPLE_COLOUR)
    shade = PatternFill("solid", fgColor=READ_ONLY_FILL)
    for position, header in enumerate(headers, start=1):
        cell = sheet.cell(row=1, column=position, value=header)
        cell.font = Font(bold=True)
        if header in reference_columns:
            cell.fill = shade
        sheet.column_dimensions[get_column_letter(position)].width = max(12, len(header) * 2 + 2)
    for row_number, row in enumerate(rows, start=2):
        for position, value in enumerate(row, start=1):
            cell = sheet.cell(row=row_number, column=position, value=spreadsheet_safe(value))
            header = headers[position - 1]
            if header in text_columns:
                cell.number_format = "@"
            elif header in date_columns:
                cell.number_format = "yyyy/mm/dd"
            if row_number - 2 < example_rows:
                cell.font = example_font
            elif header in reference_columns:
                cell.fill = shade
    first_blank = len(rows) + 2
    for position, header in enumerate(headers, start=1):
        if header in text_columns:
            for row_number in range(first_blank, first_blank + BLANK_TEXT_ROWS):
                sheet.cell(row=row_number, column=position).number_format = "@"
    sheet.freeze_panes = "A2"


def add_instructions(workbook, kind, notes=None):
    """The sheet 「記入方法」: each column (required or not, how to fill it in, an example), then notes."""
    sheet = workbook.create_sheet("記入方法")
    sheet.append(["列", "必須", "内容", "例"])
    for field in kind.fields():
        sheet.append([field.column_name, "必須" if field.required else "", field.help_text, field.example])
    sheet.append([])
    for note in kind.notes if notes is None else notes:
        sheet.append([note])
    sheet.column_dimensions["A"].width = 18
    sheet.column_dimensions["C"].width = 80
    sheet.column_dimensions["D"].width = 16
    return sheet


def example_note():
    return (
        f"テンプレートの2行目(先頭が「{EXAMPLE_MARK}」の行)は記入例で、取り込まれません。"
        f"3行目から入力するか、記入例の行に上書きしてください(上書きする場合は「{EXAMPLE_MARK}」も消してください)。"
    )
