import cProfile
import pstats
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from imports import services
from membership.models import User
from tests.imports.data import csv_bytes, member_rows


@pytest.mark.django_db(transaction=True)
def test_prof():
    data = csv_bytes(member_rows(20000))
    staff = User.objects.create(username="bench-staff", kind=User.Kind.STAFF, is_staff=True, is_superuser=True)
    prof = cProfile.Profile()
    t = time.perf_counter()
    prof.enable()
    job = services.upload(user=staff, kind="members", uploaded_file=SimpleUploadedFile("members.csv", data))
    t1 = time.perf_counter()
    job = services.start_apply(job=job, user=staff)
    prof.disable()
    print("\nPREVIEW", t1 - t, "APPLY", time.perf_counter() - t1, job.state, job.message)
    stats = pstats.Stats(prof)
    stats.sort_stats("cumulative").print_stats(45)
    stats.sort_stats("tottime").print_stats(25)
