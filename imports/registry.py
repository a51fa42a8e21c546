"""The import kinds, and what every kind shares.

A kind is a subclass of ``ImportKind`` registered with ``@register``. It names a
django-import-export ``Resource`` whose fields (``ImportField``) carry the Japanese column
headers, the widgets that clean each cell, and the documentation shown on the upload
page. The framework reads the file, checks the header row, runs ``validate`` for the
preview and ``validate`` + ``write`` (in one transaction) for the import. The preview sorts
rows into classes: 新規 / 更新 / 変更なし / エラー unless the kind declares its own
``outcomes`` (see ``report.Outcome``).

A kind may also declare ``confirm_options``: choices staff make on the confirm step, next to
「取り込む」 (e.g. whether to mail the members). The job stores what was chosen
(``ImportJob.options``, the audit record) and ``write`` reads it from ``report.options``.

New kinds (attendance, bank transfers) need no change here: put a module in
``imports/kinds/`` or an ``import_kinds.py`` module in any installed app; both are
imported when Django starts (``ImportsConfig.ready``).
"""

import csv
import io
from dataclasses import dataclass

from django import forms
from import_export.fields import Field

from .report import DEFAULT_OUTCOMES, NEW, UPDATED, ImportReport
from .widgets import CellError, cell_text


class ImportField(Field):
    """A resource field with what the upload page documents about its column."""

    def __init__(self, *args, required=False, help_text="", example="", text_column=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.required = required
        self.help_text = help_text
        self.example = example
        self.text_column = text_column  # formatted as text in the XLSX template (keeps leading zeros)


@dataclass(frozen=True)
class ConfirmOption:
    """A checkbox on the confirm step of a kind's imports; the choice is stored on the job.

    ``name`` is the key in ``ImportJob.options`` and ``report.options``. A job confirmed
    without the option (e.g. before the kind declared it) has no key: read it with
    ``report.options.get(name)``, which is then ``None`` (off), never the default.
    """

    name: str
    label: str
    help_text: str = ""
    default: bool = False

    def form_field(self):
        return forms.BooleanField(label=self.label, help_text=self.help_text, required=False, initial=self.default)

    def clean(self, value):
        if not isinstance(value, bool):
            raise ValueError(f"import option {self.name!r} takes True or False, not {value!r}")
        return value

    def display(self, value):
        return "はい" if value else "いいえ"


class ImportKind:
    key = ""
    label = ""
    resource_class = None
    description = ""
    notes = ()
    preview_columns = ()  # headers shown for sample rows; default: the first four columns
    sample_size = 20
    order = 100
    progress_every = 1000  # rows between progress updates on the job
    # The classes of rows in the preview (``report.Outcome``); "error" rows block the import.
    outcomes = DEFAULT_OUTCOMES
    # The classes named in the "取り込みました(…)" message after an import.
    summary_outcomes = (NEW, UPDATED)
    # Shown when the same file was applied before.
    reimport_note = "その後に内容が変わっていない行は「変更なし」になり、取り込んでも変わりません。"
    # Choices on the confirm step (``ConfirmOption``), stored on the job, read by ``write``.
    confirm_options = ()

    def __init__(self):
        self.resource = self.resource_class()
        self._sample_positions = (None, [])  # (the headers of the file, their sample columns' positions)

    # --- columns -------------------------------------------------------------------------
    def fields(self):
        return [field for field in self.resource.get_import_fields() if not field.readonly]

    def headers(self):
        return [field.column_name for field in self.fields()]

    def sample_columns(self):
        return list(self.preview_columns) or self.headers()[:4]

    # A last preview column saying what the row does or why it is refused (照合結果, 内容), or "".
    detail_column = ""

    def cells(self, table, raw, detail=""):
        """A row's preview cells: its sample columns, then ``detail`` where the kind has that column."""
        cells = self.sample_cells(table, raw)
        if self.detail_column:
            cells.append(detail)
        return cells

    def new_report(self):
        return ImportReport(
            columns=[*self.sample_columns(), *([self.detail_column] if self.detail_column else [])],
            column_order=self.headers(),
            sample_size=self.sample_size,
            outcomes=self.outcomes,
        )

    def summary(self, counts, keys=None):
        """「新規 3件、更新 0件」: the counts of ``keys`` (default ``summary_outcomes``) by label."""
        labels = {outcome.key: outcome.label for outcome in self.outcomes}
        keys = self.summary_outcomes if keys is None else keys
        return "、".join(f"{labels[key]} {counts.get(key, 0):,}件" for key in keys)

    def clean_options(self, options=None):
        """The confirm options as stored on the job: every declared one, defaults for those not given.

        An unknown name is a programming error (a misspelt option must not silently fall
        back to its default, e.g. mail everyone).
        """
        declared = {option.name: option for option in self.confirm_options}
        unknown = sorted(set(options or {}) - set(declared))
        if unknown:
            raise ValueError(f"import kind {self.key!r} has no option {', '.join(unknown)}")
        given = options or {}
        return {
            name: option.clean(given[name]) if name in given else option.default for name, option in declared.items()
        }

    def describe_options(self, options):
        """[(label, value shown)] of the options a job was confirmed with, in declared order."""
        return [
            (option.label, option.display(options[option.name]))
            for option in self.confirm_options
            if option.name in (options or {})
        ]

    def check_headers(self, headers):
        """One message naming the missing, unknown and repeated columns, or "" when right."""
        expected = self.headers()
        present = [header for header in headers if header]
        missing = [header for header in expected if header not in present]
        unknown = [header for header in present if header not in expected]
        repeated = sorted({header for header in present if present.count(header) > 1}, key=present.index)
        if not (missing or unknown or repeated):
            return ""
        parts = ["1行目の見出しがテンプレートと一致しません。"]
        if missing:
            parts.append(f"不足している列: {'、'.join(missing)}。")
        if unknown:
            parts.append(f"不明な列: {'、'.join(unknown)}。")
        if repeated:
            parts.append(f"重複している列: {'、'.join(repeated)}。")
        parts.append("テンプレートをダウンロードして、見出しを同じにしてください(列の順番は自由です)。")
        return "".join(parts)

    # --- cleaning --------------------------------------------------------------------------
    def clean_rows(self, table, report, progress=None):
        """Yield ``(row_number, values, errors, cells)`` for every data row.

        ``values`` maps each field's attribute to its cleaned value; ``errors`` is a list of
        ``(column, message)``; ``cells`` maps a header to the raw cell (for the samples).
        """
        index = {header: position for position, header in enumerate(table.headers)}
        plan = [
            (index[field.column_name], field.attribute, field.column_name, field.widget.clean)
            for field in self.fields()
        ]
        width = len(table.headers)
        every = self.progress_every
        for count, (number, raw) in enumerate(table.rows, start=1):
            if len(raw) < width:
                raw = list(raw) + [None] * (width - len(raw))
            values = {}
            errors = []
            for position, attribute, column, clean in plan:
                try:
                    values[attribute] = clean(raw[position])
                except CellError as error:
                    errors.append((column, error.message))
            yield number, values, errors, raw
            if progress is not None and count % every == 0:
                progress(count)

    def sample_cells(self, table, raw):
        """A row's preview cells (called for every row: the positions are worked out once per file)."""
        headers, positions = self._sample_positions
        if headers is not table.headers:
            index = {header: position for position, header in enumerate(table.headers)}
            positions = [index[column] for column in self.sample_columns()]
            self._sample_positions = (table.headers, positions)
        return [
            value.strip() if value.__class__ is str else cell_text(value) for value in map(raw.__getitem__, positions)
        ]

    # --- to implement ----------------------------------------------------------------------
    def validate(self, table, report, progress=None):
        """Check every row against the file and the database; fill ``report``; return a plan."""
        raise NotImplementedError

    def write(self, plan, report):
        """Apply the plan (called inside the import's transaction, only without errors)."""
        raise NotImplementedError

    # --- templates -------------------------------------------------------------------------
    def template_csv(self):
        """The header row as CSV, UTF-8 with BOM so that Excel reads the Japanese right."""
        dataset = self.resource.export(queryset=self.resource._meta.model.objects.none())
        buffer = io.StringIO(newline="")
        csv.writer(buffer, lineterminator="\r\n").writerow(dataset.headers)
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")

    def template_xlsx(self):
        """The header row as XLSX, text-formatted where leading zeros matter."""
        import openpyxl
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter

        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.title = self.label[:31]
        for position, field in enumerate(self.fields(), start=1):
            cell = sheet.cell(row=1, column=position, value=field.column_name)
            cell.font = Font(bold=True)
            letter = get_column_letter(position)
            sheet.column_dimensions[letter].width = max(12, len(field.column_name) * 2 + 2)
            if field.text_column:
                for row in range(2, 1002):
                    sheet.cell(row=row, column=position).number_format = "@"
        sheet.freeze_panes = "A2"
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()


class Registry:
    def __init__(self):
        self._kinds = {}

    def register(self, kind_class):
        """Class decorator: ``@register`` on an ``ImportKind`` subclass."""
        if not kind_class.key:
            raise ValueError(f"{kind_class.__name__} needs a key")
        existing = self._kinds.get(kind_class.key)
        if existing is not None and type(existing) is not kind_class:
            raise ValueError(f"import kind {kind_class.key!r} is already registered by {type(existing).__name__}")
        self._kinds[kind_class.key] = kind_class()
        return kind_class

    def get(self, key):
        return self._kinds.get(key)

    def all(self):
        return sorted(self._kinds.values(), key=lambda kind: (kind.order, kind.label))

    def choices(self):
        return [(kind.key, kind.label) for kind in self.all()]


registry = Registry()
register = registry.register
