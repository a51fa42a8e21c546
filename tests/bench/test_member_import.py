"""BENCH member_import_rows_per_s, member_import_vs_copy and member_import_vs_bulk_create.

The member-list import of 20,000 rows goes through the same service functions as the admin
(upload → preview → confirm → apply); with more than 2,000 rows those run as django-tasks
tasks (the immediate backend here). Each run starts without members; the median run is
reported. In the same run, the accounts and members the import wrote are written again into
the same tables, after emptying them: with a raw ``COPY`` (``copy_anchor``, PostgreSQL only),
and with ``bulk_create``. ``member_import_vs_copy`` is the COPY's time over the import's
(higher is better; 1 would be as fast as COPY); ``member_import_vs_bulk_create`` is, like
``attendance_import_vs_bulk_create``, the import's time over bulk_create's (below 1: faster).
Both are medians of the runs' ratios.
"""

import statistics
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction

from imports import services
from imports.models import ImportJob
from membership.models import Member, User
from tests.bench import copy_anchor
from tests.imports.data import csv_bytes, member_rows

ROWS = 20_000
RUNS = 5


def fresh_state():
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Without the foreign-key triggers of the many tables that may point at an account:
            # none points at these, and checking 20,000 deletions took minutes on a busy machine.
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(f"DELETE FROM {Member._meta.db_table}")
        cursor.execute(f"DELETE FROM {User._meta.db_table} WHERE kind = %s", [User.Kind.MEMBER])
    ImportJob.objects.all().delete()


def written_rows():
    """The accounts and members the import wrote, as the database holds them."""
    return (
        copy_anchor.read_back(User, "WHERE kind = %s", [User.Kind.MEMBER]),
        copy_anchor.read_back(Member),
    )


def timed(write):
    fresh_state()
    start = time.perf_counter()
    with transaction.atomic():
        write()
    seconds = time.perf_counter() - start
    assert Member.objects.count() == ROWS
    return seconds


def copy_written(written):
    for model, (columns, rows) in zip((User, Member), written, strict=True):
        copy_anchor.copy_rows(model, columns, rows)


def bulk_create_written(written):
    for model, (columns, rows) in zip((User, Member), written, strict=True):
        fields = {field.column: field.attname for field in model._meta.concrete_fields}
        attnames = [fields[column] for column in columns]
        model.objects.bulk_create([model(**dict(zip(attnames, row, strict=True))) for row in rows], batch_size=1000)


@pytest.mark.django_db(transaction=True)
def test_member_import_rows_per_s():
    data = csv_bytes(member_rows(ROWS))
    staff = User.objects.create(username="bench-staff", kind=User.Kind.STAFF, is_staff=True, is_superuser=True)
    imports, copies, bulk_creates = [], [], []
    for _ in range(RUNS):
        fresh_state()
        start = time.perf_counter()
        job = services.upload(user=staff, kind="members", uploaded_file=SimpleUploadedFile("members.csv", data))
        assert job.state == ImportJob.State.PREVIEWED, job.message
        assert job.new_count == ROWS
        job = services.start_apply(job=job, user=staff)
        imports.append(time.perf_counter() - start)
        assert job.state == ImportJob.State.APPLIED, job.message
        assert Member.objects.count() == ROWS
        written = written_rows()
        if copy_anchor.has_copy():
            copies.append(timed(lambda written=written: copy_written(written)))
        bulk_creates.append(timed(lambda written=written: bulk_create_written(written)))
    print(f"\nBENCH member_import_rows_per_s {ROWS / statistics.median(imports):.0f} rows/s")
    if copies:
        print(f"BENCH member_import_copy_rows_per_s {ROWS / statistics.median(copies):.0f} rows/s")
        print(f"BENCH member_import_vs_copy {copy_anchor.ratio(copies, imports):.2f} ratio")
    else:
        print(copy_anchor.skip_note("member_import_vs_copy"))
    # As attendance_import_vs_bulk_create: the import's time over bulk_create's (below 1: faster).
    print(f"BENCH member_import_vs_bulk_create {copy_anchor.ratio(imports, bulk_creates):.2f} ratio")
