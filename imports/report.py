"""What a preview or an import found: the class of every row, and every error.

Counts for every class, every row's class with its preview cells (and changes), and every
error (row number, column, Japanese reason). ``ImportJob.result`` (JSON) keeps the counts, the
errors and the first ``sample_size`` rows of each class; every row is kept compactly beside it
(``imports/rows.py``), for paging through a class and downloading it.

The classes ("outcomes") are the kind's: by default 新規 / 更新 / 変更なし / エラー; a kind
may declare its own (the bank-transfer import has 照合済, 該当なし, 入金済, 金額不一致, ...).
Each class says which of the job's four count columns (``new``, ``updated``, ``unchanged``,
``error``) it adds to, so the job list and ``ImportJob.can_apply`` work for every kind.
"""

import re
from dataclasses import dataclass

NEW = "new"
UPDATED = "updated"
UNCHANGED = "unchanged"
ERROR = "error"
JOB_COUNTS = (NEW, UPDATED, UNCHANGED, ERROR)  # the ImportJob.<name>_count columns


@dataclass(frozen=True)
class Outcome:
    """A class of rows: its key (in ``result["counts"]``), its label, and its job count column."""

    key: str
    label: str
    counted_as: str  # one of JOB_COUNTS


DEFAULT_OUTCOMES = (
    Outcome(NEW, "新規", NEW),
    Outcome(UPDATED, "更新", UPDATED),
    Outcome(UNCHANGED, "変更なし", UNCHANGED),
    Outcome(ERROR, "エラー", ERROR),
)
OUTCOMES = tuple(outcome.key for outcome in DEFAULT_OUTCOMES)
OUTCOME_LABELS = {outcome.key: outcome.label for outcome in DEFAULT_OUTCOMES}

# A file-level problem (wrong headers, unreadable file) is reported once, on row 1.
HEADER_ROW = 1
WILL_DO = re.compile(r"します(?=。|$)")


def as_done(detail):
    """A row's detail once the job is applied: what the row would do (「…を入金済にします。」)
    becomes what it did (「…を入金済にしました。」)."""
    return WILL_DO.sub("しました", detail)


# Warnings kept per job (rows to check, e.g. a name unlike the member's); all are counted.
WARNINGS_KEPT = 1000


def check_outcomes(outcomes):
    keys = [outcome.key for outcome in outcomes]
    if len(set(keys)) != len(keys):
        raise ValueError(f"repeated outcome keys: {keys}")
    for outcome in outcomes:
        if outcome.counted_as not in JOB_COUNTS:
            raise ValueError(f"outcome {outcome.key!r}: counted_as must be one of {JOB_COUNTS}")
        if (outcome.key == ERROR) != (outcome.counted_as == ERROR):
            raise ValueError("only the 'error' outcome may count as (and must count as) an error")
    if ERROR not in keys:
        raise ValueError("the outcomes need an 'error' class")
    return tuple(outcomes)


class ImportReport:
    def __init__(self, *, columns=(), column_order=(), sample_size=20, outcomes=DEFAULT_OUTCOMES):
        self.columns = list(columns)  # the preview cells of every row
        self._column_rank = {name: index for index, name in enumerate(column_order)}
        self.sample_size = sample_size
        self.outcomes = check_outcomes(outcomes)
        keys = [outcome.key for outcome in self.outcomes]
        self.counts = dict.fromkeys(keys, 0)
        # Every row: row number → (outcome, row number, cells, changes); tuples, as few objects as
        # can be (20,000 to 100,000 rows, kept until the job is stored).
        self.rows = {}
        self.errors = []
        self.notes = []  # short lines shown under the counts (e.g. totals in yen); the kind's own
        self.file_notes = []  # the framework's lines about the file (e.g. its example row left out), shown first
        self.header_error = ""
        self.total_rows = 0
        # Rows imported but worth a look (``add_warning``): they never block the import.
        self.warnings = []
        self.warning_count = 0
        # The header row as read (``ImportKind.read_headers``): every heading, the headings read
        # as another column (staff's column mapping), those ignored, the optional columns absent.
        self.sheet_headings = []
        self.mapped_columns = []
        self.ignored_columns = []
        self.absent_columns = []
        self.header_row = 1  # the row of the headings (a title may sit above them)
        # Set by the services before ``write``: which job is applied and who confirmed it
        # (a kind may record them in the history of the rows it changes).
        self.job_id = None
        self.user_id = None
        # What staff chose on the confirm step (``ImportJob.options``): the kind's ``confirm_options``.
        self.options = {}
        # An import starting from its preview's kept plan (``restore``): the preview's rows stay
        # stored (``imports/rows.py``); ``rows`` holds only those the import moves to another class.
        self.kept_rows = False

    def restore(self, result):
        """Start from a preview's stored ``result`` (counts, notes, warnings, headings) and its
        stored rows (``kept_rows``), as the import of a kept plan does."""
        self.kept_rows = True
        self.total_rows = result.get("total_rows", 0)
        self.counts.update(result.get("counts") or {})
        self.notes = list(result.get("notes") or ())
        self.warnings = list(result.get("warnings") or ())
        self.warning_count = result.get("warning_count", len(self.warnings))
        read = result.get("columns_read") or {}
        self.sheet_headings = read.get("headings", [])
        self.mapped_columns = read.get("mapped", [])
        self.ignored_columns = read.get("ignored", [])
        self.absent_columns = read.get("absent", [])
        self.header_row = read.get("header_row", 1)
        return self

    def refuse(self, row, old, column, message):
        """At the import of a kept plan: the row (of class ``old`` in the preview) is no longer
        right; it moves to the error class with ``message`` (its cells are the kept ones)."""
        if row not in self.rows or self.rows[row][0] != ERROR:
            self.counts[old] -= 1
            self.counts[ERROR] += 1
            self.rows[row] = (ERROR, row, None, ())
        self.add_error(row, column, message)

    def merge_kept(self, stored):
        """Put the rows the import moved (``rows``) over the preview's ``stored`` rows; a row
        refused keeps its stored cells."""
        for row, entry in self.rows.items():
            if entry[2] is None:
                self.rows[row] = (entry[0], row, stored[row][2] if row in stored else (), entry[3])
        self.rows = {**stored, **self.rows}
        self.kept_rows = False

    def add(self, outcome, row, cells, changes=None):
        """Count a row in a class and keep it. ``cells`` match ``columns``; ``changes`` are
        ``[column, old, new]`` lists."""
        self.counts[outcome] += 1
        self.rows[row] = (outcome, row, tuple(map(str, cells)), changes or ())

    def reclassify(self, row, old, new, cells, changes=None):
        """Move a counted row to another class (e.g. found changed when re-checked under a lock)."""
        self.counts[old] -= 1
        self.add(new, row, cells, changes)

    def wants_sample(self, outcome):
        """Whether a row of this class needs its cells: always, every row is kept."""
        return True

    def rows_by_outcome(self):
        """{outcome: [(outcome, row, cells, changes), ...]} in row order, for every class."""
        grouped = {outcome.key: [] for outcome in self.outcomes}
        rows = self.rows
        for row in sorted(rows):
            entry = rows[row]
            grouped[entry[0]].append(entry)
        return grouped

    @property
    def samples(self):
        """The first ``sample_size`` rows of each class, as stored in the result."""
        return self._samples(self.rows_by_outcome())

    def _samples(self, grouped):
        size = self.sample_size
        return {
            outcome: [
                {"row": row, "cells": list(cells), "changes": list(changes)} for _o, row, cells, changes in rows[:size]
            ]
            for outcome, rows in grouped.items()
        }

    def add_error(self, row, column, message):
        self.errors.append({"row": row, "column": column, "message": message})

    def add_warning(self, row, column, message):
        self.warning_count += 1
        if len(self.warnings) < WARNINGS_KEPT:
            self.warnings.append({"row": row, "column": column, "message": message})

    def fail_headers(self, message):
        self.header_error = message

    @property
    def has_errors(self):
        return bool(self.header_error or self.errors)

    def job_counts(self):
        """The counts summed into the job's four columns (new, updated, unchanged, error)."""
        totals = dict.fromkeys(JOB_COUNTS, 0)
        for outcome in self.outcomes:
            totals[outcome.counted_as] += self.counts[outcome.key]
        return totals

    def sorted_errors(self):
        rank = self._column_rank
        return sorted(self.errors, key=lambda error: (error["row"], rank.get(error["column"], len(rank))))

    def as_json(self, grouped=None):
        """The result stored on the job (``grouped``: ``rows_by_outcome()``, if already made)."""
        grouped = self.rows_by_outcome() if grouped is None else grouped
        return {
            "header_error": self.header_error,
            "total_rows": self.total_rows,
            "counts": dict(self.counts),
            "outcomes": [[outcome.key, outcome.label] for outcome in self.outcomes],
            "notes": [*self.file_notes, *self.notes],
            "columns": self.columns,
            "samples": self._samples(grouped),
            # The classes whose rows say what changes (a 変更点 column).
            "with_changes": [outcome for outcome, rows in grouped.items() if any(entry[3] for entry in rows)],
            "errors": self.sorted_errors(),
            "warnings": self.warnings,
            "warning_count": self.warning_count,
            "columns_read": {
                "headings": self.sheet_headings,
                "mapped": self.mapped_columns,
                "ignored": self.ignored_columns,
                "absent": self.absent_columns,
                "header_row": self.header_row,
            },
        }
