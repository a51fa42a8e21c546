"""Every row of an import's result, class by class: kept compactly, paged, read back.

A preview or an import classifies every row of the file (``ImportReport``); staff page through
each class on the job page and download it (the bank import's 該当なし and 金額不一致 rows are
worked through by hand). The job's ``result`` JSON keeps the counts, the errors and the first
rows of each class; every row is kept here, beside it, and is still there when
``purge_import_files`` has deleted the uploaded file.

How: ``ImportRowChunk`` rows of ``CHUNK_ROWS`` consecutive rows of one class, as zlib-compressed
JSON (row number, preview cells, changes). A page of ``PAGE_ROWS`` rows is one chunk read and
decompressed; a download reads a class chunk by chunk. Measured: 20,000 member-list rows (5
preview cells) take 40 chunks, 162 KB (8 bytes a row; 1.6 MB as plain JSON); 100,000
attendance rows (3 cells and a sentence) 200 chunks, 603 KB (6 bytes a row; 8.7 MB as plain
JSON), compressed in 0.1 s. A table row per file row would be larger still and cost 100,000
inserts per import.
The preview's rows are replaced by the import's (which may move rows between classes).
"""

import json
import zlib
from collections.abc import Sequence

from .models import ImportRowChunk

CHUNK_ROWS = 500
COMPRESSION = 1  # zlib's fastest: 3-10% larger than the default level 6, up to 3 times as fast
PAGE_ROWS = 50  # divides CHUNK_ROWS: a page is read from one chunk
assert CHUNK_ROWS % PAGE_ROWS == 0


def store(*, job_id, grouped):
    """Replace the job's kept rows by ``grouped`` (``ImportReport.rows_by_outcome()``);
    within the caller's transaction."""
    ImportRowChunk.objects.filter(job_id=job_id).delete()
    ImportRowChunk.objects.bulk_create(_chunks(job_id, grouped), batch_size=50)


def _chunks(job_id, grouped):
    for outcome, rows in grouped.items():
        for seq, start in enumerate(range(0, len(rows), CHUNK_ROWS)):
            part = rows[start : start + CHUNK_ROWS]
            yield ImportRowChunk(job_id=job_id, outcome=outcome, seq=seq, row_count=len(part), data=encode(part))


def encode(rows):
    entries = [(row, cells, changes) if changes else (row, cells) for _outcome, row, cells, changes in rows]
    return zlib.compress(json.dumps(entries, ensure_ascii=False, separators=(",", ":")).encode(), COMPRESSION)


def decode(data):
    """[{row, cells, changes}] of a chunk: the shape of the result's samples."""
    return [
        {"row": entry[0], "cells": entry[1], "changes": entry[2] if len(entry) > 2 else []}
        for entry in json.loads(zlib.decompress(data))
    ]


def class_rows(job, outcome):
    """The rows of one class as a sequence Django's ``Paginator`` can page, and whether it holds
    every row of the class (jobs from before every row was kept have their samples only)."""
    result = job.result or {}
    if result.get("rows_stored"):
        return StoredRows(job.pk, outcome, (result.get("counts") or {}).get(outcome, 0)), True
    return list((result.get("samples") or {}).get(outcome, [])), False


def iter_rows(job, outcome):
    """Every row of a class, in row order, reading one chunk at a time."""
    chunks = ImportRowChunk.objects.filter(job_id=job.pk, outcome=outcome).order_by("seq")
    for data in chunks.values_list("data", flat=True).iterator(chunk_size=10):
        yield from decode(data)


def load_all(job_id):
    """Every kept row of the job: row number → (outcome, row, cells, changes), as ``ImportReport.rows``."""
    entries = {}
    chunks = ImportRowChunk.objects.filter(job_id=job_id).values_list("outcome", "data")
    for outcome, data in chunks.iterator(chunk_size=20):
        for entry in json.loads(zlib.decompress(data)):
            entries[entry[0]] = (outcome, entry[0], tuple(entry[1]), entry[2] if len(entry) > 2 else ())
    return entries


class StoredRows(Sequence):
    """A class's kept rows; a slice reads only the chunks it spans (one query)."""

    def __init__(self, job_id, outcome, total):
        self.job_id, self.outcome, self.total = job_id, outcome, total

    def __len__(self):
        return self.total

    def __getitem__(self, index):
        if not isinstance(index, slice):
            rows = self[index : index + 1] if index >= 0 else self[index:][:1]
            if not rows:
                raise IndexError(index)
            return rows[0]
        start, stop, step = index.indices(self.total)
        if start >= stop:
            return []
        first, last = start // CHUNK_ROWS, (stop - 1) // CHUNK_ROWS
        chunks = (
            ImportRowChunk.objects.filter(job_id=self.job_id, outcome=self.outcome, seq__range=(first, last))
            .order_by("seq")
            .values_list("data", flat=True)
        )
        rows = [row for data in chunks for row in decode(data)]
        offset = first * CHUNK_ROWS
        return rows[start - offset : stop - offset : step]
