"""The import kinds, and what every kind shares.

A kind is a subclass of ``ImportKind`` registered with ``@register``. It names a
django-import-export ``Resource`` whose fields (``ImportField``) carry the Japanese column
headers, the widgets that clean each cell, and the documentation shown on the upload
page. The framework reads the file, checks the header row, runs ``validate`` for the
preview and ``write`` (in one transaction) for the import: after ``recheck`` on the plan the
preview kept (``keeps_plan``, ``imports/plans.py``), or after ``validate`` again.

The header row is read and checked by ``headers.HeaderChecks`` (mapped headings, required,
optional and ignored columns, a title above the headings). The preview sorts rows into
classes: 新規 / 更新 / 変更なし / エラー unless the kind declares its own ``outcomes`` (see
``report.Outcome``).

A kind may also declare ``confirm_options``: choices staff make on the confirm step, next to
「取り込む」 (e.g. whether to mail the members). The job stores what was chosen
(``ImportJob.options``, the audit record) and ``write`` reads it from ``report.options``.

New kinds (attendance, bank transfers) need no change here: put a module in
``imports/kinds/`` or an ``import_kinds.py`` module in any installed app; both are
imported when Django starts (``ImportsConfig.ready``).
"""

import operator
from dataclasses import dataclass

from django import forms
from import_export.fields import Field

from . import cleaning, sheets
from .headers import HeaderChecks
from .readers import EXAMPLE_MARK, read_table
from .report import DEFAULT_OUTCOMES, NEW, UPDATED, ImportReport, as_done
from .widgets import cell_text


class ImportField(Field):
    """A resource field with what the upload page documents about its column."""

    def __init__(self, *args, required=False, help_text="", example="", text_column=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.required = required
        self.help_text = help_text
        self.example = example  # the cell in the template's example row (a valid value, as staff type it)
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


class ImportKind(HeaderChecks):
    key = ""
    label = ""
    resource_class = None
    description = ""
    notes = ()
    preview_columns = ()  # headers shown for sample rows; default: the first four columns
    sample_size = 20
    order = 100
    progress_every = 1000  # rows between progress updates on the job (at least: ``progress_step``)
    # A large file moves the job's counter this many times: each update is a commit of its own
    # (100 of them took a tenth of a 100,000-row preview on a busy machine).
    progress_updates = 10
    # The classes of rows in the preview (``report.Outcome``); "error" rows block the import.
    outcomes = DEFAULT_OUTCOMES
    # The classes named in the "取り込みました(…)" message after an import.
    summary_outcomes = (NEW, UPDATED)
    # Shown when the same file was applied before.
    reimport_note = "その後に内容が変わっていない行は「変更なし」になり、取り込んでも変わりません。"
    # Choices on the confirm step (``ConfirmOption``), stored on the job, read by ``write``.
    confirm_options = ()
    # Files the kind reads besides its template, named on the upload page (e.g. bank statements).
    accepted_formats = ()

    def __init__(self):
        self.resource = self.resource_class()
        # (the headers of the file, their sample columns' positions, a getter of those cells)
        self._sample_positions = (None, [], None)

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

    def shown_cells(self, cells, *, applied):
        """A kept row's cells as the job's page and downloads show them: after the apply, the
        detail says what was done, not what will be."""
        if applied and self.detail_column and cells:
            return [*cells[:-1], as_done(cells[-1])]
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

    def read_file(self, data, file_name=""):
        """The uploaded file as a ``readers.Table``: the template as CSV or XLSX. A kind that
        takes other files too (bank statements as the banks deliver them) reads them here."""
        return read_table(data, file_name)

    # --- cleaning --------------------------------------------------------------------------
    def clean_rows(self, table, report, progress=None):
        """Yield ``(row_number, values, errors, cells)`` for every data row.

        ``values`` maps each field's attribute to its cleaned value (a column the file leaves
        out is read as blank); ``errors`` is a list of ``(column, message)``; ``cells`` is the
        row's raw cells, in the order of ``table.headers``. Rows are cleaned column by column,
        ``progress_step`` rows at a time, and a text cell seen before in its column is not
        cleaned again (``MEMO_CELLS``): cleaned values are immutable (text, dates, numbers).
        """
        return cleaning.clean_rows(self.fields(), table, every=self.progress_step(len(table)), progress=progress)

    def clean_table(self, table, report, progress=None):
        """As ``clean_rows``, with ``values`` a tuple in the order of ``fields()`` and a failed cell
        None (``cleaning.clean_table``): for a kind that keeps a row's values as one tuple from
        cleaning to writing, without a dict per row (the member list)."""
        return cleaning.clean_table(self.fields(), table, every=self.progress_step(len(table)), progress=progress)

    def progress_step(self, rows):
        """Rows between progress updates for a file of ``rows`` rows: ``progress_every``, or more
        in a large file (``progress_updates`` updates in all)."""
        return max(self.progress_every, -(-rows // self.progress_updates))

    def sample_cells(self, table, raw):
        """A row's preview cells (called for every row: the positions are worked out once per file);
        a sample column the sheet does not have (an optional one left out) shows empty."""
        headers, positions, take = self._sample_positions
        if headers is not table.headers:
            index = {header: position for position, header in enumerate(table.headers)}
            positions = [index.get(column) for column in self.sample_columns()]
            # Every sample column in the sheet (the common case): one C call takes the row's cells.
            take = None
            if len(positions) > 1 and None not in positions:
                take = operator.itemgetter(*positions)
            self._sample_positions = (table.headers, positions, take)
        if take is not None:
            return [value.strip() if value.__class__ is str else cell_text(value) for value in take(raw)]
        cells = []
        for position in positions:
            value = "" if position is None else raw[position]
            cells.append(value.strip() if value.__class__ is str else cell_text(value))
        return cells

    # --- to implement ----------------------------------------------------------------------
    def validate(self, table, report, progress=None):
        """Check every row against the file and the database; fill ``report``; return a plan."""
        raise NotImplementedError

    def write(self, plan, report):
        """Apply the plan (called inside the import's transaction, only without errors)."""
        raise NotImplementedError

    # --- validate once (imports/plans.py): a kind that keeps its plan from preview to import ----
    keeps_plan = False  # else the import reads and checks the whole file again (``validate``)

    def dump_plan(self, plan):
        """The plan of a preview without errors as JSON-able lists, one per row of the file."""
        raise NotImplementedError

    def load_plan(self, entries, report):
        """The plan back from ``dump_plan``'s entries."""
        raise NotImplementedError

    def recheck(self, plan, report):
        """Before ``write``, in its transaction and under the job's row lock: what other writers
        may have changed since the preview. A row no longer right gets its error
        (``report.add_error``) and moves to the error class (``report.reclassify``): nothing is
        then written (a stale preview is refused); a row whose class changed moves to it."""
        raise NotImplementedError

    # --- undo (imports/undo.py) ------------------------------------------------------------
    undoable = False  # whether an applied job can be undone; if not, the job page says why:
    not_undoable_reason = "この種類の取込は取り消せません。"
    undo_description = ()  # what 「取り込みを取り消す」 does, shown on its confirm step

    def undo_blockers(self, job):
        """[undo.UndoBlocker] of what keeps the applied ``job`` from being undone now; [] if nothing."""
        return []

    def undo(self, job, user):
        """Reverse the job's writes (in the caller's transaction, the job row locked) through the
        owning app's service; return a sentence saying what changed. Raise ``undo.UndoBlocked``
        when something was built on them since."""
        raise NotImplementedError

    def review_links(self, job):
        """[(label, url)] of admin listings that show what the applied ``job`` wrote."""
        return []

    # --- templates -------------------------------------------------------------------------
    def example_row(self):
        """The template's example row: each column's ``example``, the first one marked 「【記入例】」
        so that the reader never takes the row for data (``readers.is_example``)."""
        cells = [field.example for field in self.fields()]
        return [f"{EXAMPLE_MARK}{cells[0]}", *cells[1:]] if cells else []

    def template_csv(self):
        """The header row and the example row, as CSV (UTF-8 with BOM)."""
        return sheets.csv_bytes(self.headers(), [self.example_row()])

    def template_xlsx(self):
        """The header row and the example row (text-formatted where leading zeros matter), the
        sheet 「記入方法」, and the kind's own sheets (``add_template_sheets``)."""
        workbook = sheets.new_workbook()
        sheet = workbook.active
        sheet.title = self.label[:31]
        text_columns = {field.column_name for field in self.fields() if field.text_column}
        sheets.fill_table(sheet, self.headers(), [self.example_row()], text_columns=text_columns, example_rows=1)
        sheets.add_instructions(workbook, self, notes=[sheets.example_note(), *self.notes])
        self.add_template_sheets(workbook)
        return sheets.workbook_bytes(workbook)

    def add_template_sheets(self, workbook):
        """Sheets a kind adds to its XLSX template after 「記入方法」 (e.g. the sessions to import)."""


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
