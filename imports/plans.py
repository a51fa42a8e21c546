"""The rows a preview checked, kept until the import: validate once.

A preview cleans every cell, matches every row against the database and decides what the
import will write (the kind's plan). A kind that can keep its plan (``ImportKind.dump_plan``
/ ``load_plan``) has it stored here, as zlib-compressed JSON in ``ImportPlanChunk`` rows of
``CHUNK_ROWS`` entries, in the transaction that stores the preview. The import then loads the
plan instead of reading and checking the file again, and the kind re-checks, under the job's
row lock, only what other writers may have changed since the preview (``ImportKind.recheck``:
member numbers and e-mail addresses taken, members changed, sessions moved, credits and
registrations recorded). A plan entry is a JSON list (the kind's encoding, dates as ISO text). The plan holds personal
data like the file: it is deleted as soon as the job is finished (applied, failed, cancelled).
"""

import json
import zlib

from .models import ImportPlanChunk

CHUNK_ROWS = 2000
COMPRESSION = 1  # zlib's fastest, as rows.py


def store(*, job_id, entries):
    """Replace the job's kept plan by ``entries`` (JSON-able lists); within the caller's transaction."""
    ImportPlanChunk.objects.filter(job_id=job_id).delete()
    ImportPlanChunk.objects.bulk_create(_chunks(job_id, entries), batch_size=20)


def _chunks(job_id, entries):
    entries = list(entries)
    # seq 0 is always there, so that an empty plan is told from a job without one.
    for seq, start in enumerate(range(0, max(len(entries), 1), CHUNK_ROWS)):
        part = entries[start : start + CHUNK_ROWS]
        yield ImportPlanChunk(job_id=job_id, seq=seq, row_count=len(part), data=encode(part))


def encode(entries):
    return zlib.compress(json.dumps(entries, ensure_ascii=False, separators=(",", ":")).encode(), COMPRESSION)


def exists(job_id):
    return ImportPlanChunk.objects.filter(job_id=job_id).exists()


def load(job_id, progress=None):
    """Every entry of the job's kept plan, in order; ``progress(count)`` after each chunk."""
    entries = []
    chunks = ImportPlanChunk.objects.filter(job_id=job_id).order_by("seq").values_list("data", flat=True)
    for data in chunks.iterator(chunk_size=5):
        entries.extend(json.loads(zlib.decompress(data)))
        if progress is not None:
            progress(len(entries))
    return entries


def discard(job_id):
    ImportPlanChunk.objects.filter(job_id=job_id).delete()
