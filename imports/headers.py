"""The header row of an import file, for every import kind (``HeaderChecks``, a base of
``registry.ImportKind``, which gives it ``fields()`` and ``headers()``).

Headings staff mapped to columns (``column_mappings``) are read as those columns; a required
column must be there; an optional one may be left out (read as blank unless the kind says
otherwise); a kind's ``extra_columns`` (e.g. 氏名, checked against the member) are read when
present; any other column is read past and listed on the preview. A title above the headings
is skipped (``find_header_row``).
"""

from .readers import normalize_header
from .widgets import CellError

# Rows below the first one searched for the headings when the first row is a title.
HEADER_LOOK_AHEAD = 10


class HeaderChecks:
    """Reading and checking a file's header row; ``ImportKind`` provides ``fields()`` and ``headers()``."""

    # Headings the kind reads besides its fields, when a sheet has them (e.g. 氏名 to check the
    # member a row names): "known optional" columns, neither required nor ignored.
    extra_columns = ()
    # What an optional column left out of the file means (shown on the preview).
    absent_note = "空欄として読みます"

    def read_headers(self, table, report):
        """Apply the headings staff mapped to columns (``column_mappings``), note in ``report``
        which headings are read as which column and which are ignored; return ``check_headers``."""
        from .column_mappings import apply_mappings, mappings_of

        saved = mappings_of(self)
        self.find_header_row(table, report, saved)
        report.sheet_headings = [header for header in table.headers if header]
        table.headers, report.mapped_columns = apply_mappings(self, table.headers, saved)
        report.ignored_columns = self.ignored_columns(table.headers)
        report.absent_columns = [header for header in self.headers() if header not in table.headers]
        return self.check_headers(table.headers)

    def find_header_row(self, table, report, saved, look_ahead=HEADER_LOOK_AHEAD):
        """A sheet with a title above its headings (「第91回 技師学会 受付名簿」): when the first
        row lacks required columns and one of the next rows has them all, that row is the header."""
        from .column_mappings import apply_mappings

        if not self.missing_columns(apply_mappings(self, table.headers, saved)[0]):
            return
        for position, (number, cells) in enumerate(table.rows[:look_ahead]):
            headers = [normalize_header(cell) for cell in cells]
            if not self.missing_columns(apply_mappings(self, headers, saved)[0]):
                while headers and not headers[-1]:
                    headers.pop()
                table.headers, table.rows = headers, table.rows[position + 1 :]
                report.total_rows = len(table.rows)
                report.header_row = number
                return

    def known_columns(self):
        return [*self.headers(), *self.extra_columns]

    def ignored_columns(self, headers):
        """The headings of the file the import does not use (read past, listed on the preview)."""
        known = set(self.known_columns())
        return list(dict.fromkeys(header for header in headers if header and header not in known))

    def missing_columns(self, headers):
        """The columns the file must have: the required ones (an optional column may be left out)."""
        present = set(headers)
        return [field.column_name for field in self.fields() if field.column_name not in present and _needs(field)]

    def check_headers(self, headers):
        """One message naming the missing and repeated columns, or "" when the file can be read.

        Columns the import does not use are no error (``ignored_columns``).
        """
        known = set(self.known_columns())
        present = [header for header in headers if header in known]
        missing = self.missing_columns(headers)
        repeated = sorted({header for header in present if present.count(header) > 1}, key=present.index)
        if not (missing or repeated):
            return ""
        parts = ["1行目の見出しがテンプレートと一致しません。"]
        if missing:
            parts.append(f"不足している列: {'、'.join(missing)}。")
        if repeated:
            parts.append(f"重複している列: {'、'.join(repeated)}。")
        parts.append(
            "テンプレートをダウンロードして見出しを同じにするか、「列の対応付け」でファイルの見出しに列を割り当ててください"
            "(列の順番は自由です)。"
        )
        return "".join(parts)


def _needs(field):
    """A column that must be in the file: required, or without a meaning for a blank cell."""
    if field.required:
        return True
    try:
        field.widget.clean(None)
    except CellError:
        return True
    return False
