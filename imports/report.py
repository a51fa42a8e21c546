"""What a preview or an import found, kept small enough for 20,000-row files.

Counts for every class, the first ``sample_size`` rows of each class, and every error
(row number, column, Japanese reason). Stored on ``ImportJob.result`` as JSON.
"""

NEW = "new"
UPDATED = "updated"
UNCHANGED = "unchanged"
ERROR = "error"
OUTCOMES = (NEW, UPDATED, UNCHANGED, ERROR)
OUTCOME_LABELS = {NEW: "新規", UPDATED: "更新", UNCHANGED: "変更なし", ERROR: "エラー"}

# A file-level problem (wrong headers, unreadable file) is reported once, on row 1.
HEADER_ROW = 1


class ImportReport:
    def __init__(self, *, columns=(), column_order=(), sample_size=20):
        self.columns = list(columns)  # the columns shown for sample rows
        self._column_rank = {name: index for index, name in enumerate(column_order)}
        self.sample_size = sample_size
        self.counts = dict.fromkeys(OUTCOMES, 0)
        self.samples = {outcome: [] for outcome in OUTCOMES}
        self.errors = []
        self.header_error = ""
        self.total_rows = 0

    def add(self, outcome, row, cells, changes=None):
        """Count a row; keep it as a sample while there is room. ``cells`` match ``columns``."""
        self.counts[outcome] += 1
        samples = self.samples[outcome]
        if len(samples) < self.sample_size:
            samples.append({"row": row, "cells": [str(cell) for cell in cells], "changes": changes or []})

    def wants_sample(self, outcome):
        return len(self.samples[outcome]) < self.sample_size

    def add_error(self, row, column, message):
        self.errors.append({"row": row, "column": column, "message": message})

    def fail_headers(self, message):
        self.header_error = message

    @property
    def has_errors(self):
        return bool(self.header_error or self.errors)

    def sorted_errors(self):
        rank = self._column_rank
        return sorted(self.errors, key=lambda error: (error["row"], rank.get(error["column"], len(rank))))

    def as_json(self):
        return {
            "header_error": self.header_error,
            "total_rows": self.total_rows,
            "counts": dict(self.counts),
            "columns": self.columns,
            "samples": self.samples,
            "errors": self.sorted_errors(),
        }
