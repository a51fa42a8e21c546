"""The rows a preview checked, kept until the import: validate once.

A preview cleans every cell, matches every row against the database and decides what the
import will write (the kind's plan). A kind that can keep its plan (``ImportKind.dump_plan``
/ ``load_plan``) has it stored here, as zlib-compressed JSON in ``ImportPlanChunk`` rows of
``CHUNK_ROWS`` entries, in the transaction that stores the preview. The import then loads the
plan instead of reading and checking the file again, and the kind re-checks, under the job's
row lock, only what other writers may have changed since the preview (``ImportKind.recheck``:
member numbers and e-mail addresses taken, members changed, sessions moved, credits and
registrations recorded). A plan entry is a tuple of plain values (text, numbers, dates, lists,
dicts) as the kind's ``dump_plan`` made it, pickled: JSON took 1.5 s each way for 20,000
member rows (a third of the whole preview), pickle a tenth of that. Only those types are read
back (``PlainUnpickler``): nothing in a stored plan can name other code. The plan holds personal
data like the file: it is deleted as soon as the job is finished (applied, failed, cancelled).
"""

import datetime
import io
import pickle
import zlib

from .models import ImportPlanChunk

# A chunk is one row to insert and read back, and one progress update of the import's loading.
CHUNK_ROWS = 10_000
COMPRESSION = 1  # zlib's fastest, as rows.py


def store(*, job_id, entries):
    """Replace the job's kept plan by ``entries`` (tuples of plain values); within the caller's transaction."""
    ImportPlanChunk.objects.filter(job_id=job_id).delete()
    ImportPlanChunk.objects.bulk_create(_chunks(job_id, entries), batch_size=20)


def _chunks(job_id, entries):
    entries = list(entries)
    # seq 0 is always there, so that an empty plan is told from a job without one.
    for seq, start in enumerate(range(0, max(len(entries), 1), CHUNK_ROWS)):
        part = entries[start : start + CHUNK_ROWS]
        yield ImportPlanChunk(job_id=job_id, seq=seq, row_count=len(part), data=encode(part))


def encode(entries):
    buffer = io.BytesIO()
    PlainPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(entries)
    return zlib.compress(buffer.getvalue(), COMPRESSION)


class PlainPickler(pickle.Pickler):
    def reducer_override(self, obj):
        if isinstance(obj, str):  # a choice's enum member (TextChoices): kept as its plain text
            return str, (str.__str__(obj),)
        return NotImplemented


class PlainUnpickler(pickle.Unpickler):
    """Builds only the built-in containers and scalars, and dates: never another class."""

    ALLOWED = {("datetime", "date"): datetime.date, ("builtins", "str"): str}

    def find_class(self, module, name):
        if (module, name) in self.ALLOWED:
            return self.ALLOWED[(module, name)]
        raise pickle.UnpicklingError(f"an import plan may not hold {module}.{name}")


def decode(data):
    return PlainUnpickler(io.BytesIO(zlib.decompress(data))).load()


def exists(job_id):
    return ImportPlanChunk.objects.filter(job_id=job_id).exists()


def load(job_id, progress=None):
    """Every entry of the job's kept plan, in order; ``progress(count)`` after each chunk."""
    entries = []
    chunks = ImportPlanChunk.objects.filter(job_id=job_id).order_by("seq").values_list("data", flat=True)
    for data in chunks.iterator(chunk_size=5):
        entries.extend(decode(data))
        if progress is not None:
            progress(len(entries))
    return entries


def discard(job_id):
    ImportPlanChunk.objects.filter(job_id=job_id).delete()
