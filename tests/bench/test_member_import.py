"""BENCH member_import_rows_per_s: the member-list import of 20,000 rows, preview and apply.

Goes through the same service functions as the admin (upload → preview → confirm → apply);
with more than 2,000 rows those run as django-tasks tasks (the immediate backend here).
Each of the three runs starts without members; the median run is reported.
"""

import statistics
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from imports import services
from imports.models import ImportJob
from membership.models import Member, User
from tests.imports.data import csv_bytes, member_rows

ROWS = 20_000
RUNS = 3


def fresh_state():
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Member._meta.db_table}")
        cursor.execute(f"DELETE FROM {User._meta.db_table} WHERE kind = %s", [User.Kind.MEMBER])
    ImportJob.objects.all().delete()


@pytest.mark.django_db(transaction=True)
def test_member_import_rows_per_s():
    data = csv_bytes(member_rows(ROWS))
    staff = User.objects.create(username="bench-staff", kind=User.Kind.STAFF, is_staff=True, is_superuser=True)
    timings = []
    for _ in range(RUNS):
        fresh_state()
        start = time.perf_counter()
        job = services.upload(user=staff, kind="members", uploaded_file=SimpleUploadedFile("members.csv", data))
        assert job.state == ImportJob.State.PREVIEWED, job.message
        assert job.new_count == ROWS
        job = services.start_apply(job=job, user=staff)
        timings.append(time.perf_counter() - start)
        assert job.state == ImportJob.State.APPLIED, job.message
        assert Member.objects.count() == ROWS
    print(f"\nBENCH member_import_rows_per_s {ROWS / statistics.median(timings):.0f} rows/s")
