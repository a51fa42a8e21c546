"""BENCH attendance_import_rows_per_s, attendance_import_vs_bulk_create, attendance_import_vs_copy.

100,000 attendance rows (20,000 members × 5 sessions; one in ten with a live registration that
the import marks attended) go through the same services as the admin (upload → preview →
confirm → apply; as django-tasks tasks with the immediate backend). The same rows are also
written with a plain ``Credit.objects.bulk_create`` in the same run; the ratio is the import's
median over the bulk_create's median. In the same run the credits the import wrote are
written again with a raw ``COPY`` (``copy_anchor``, PostgreSQL only);
``attendance_import_vs_copy`` is the median of the runs' COPY time over import time (higher is
better). Each run starts without credits.

The world is made here, credit category included: a ``transaction=True`` test before this one
(the member bench) flushes the tables, the credit categories of the data migration with them.
"""

import csv
import io
import statistics
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.utils import timezone

from core.bulk import insert_rows
from imports import services
from imports.models import ImportJob
from membership.models import Member, User
from renewal.models import Credit, CreditCategory, Registration, Seminar, Session
from tests.bench import copy_anchor

MEMBERS = 20_000
SESSIONS = 5
ROWS = MEMBERS * SESSIONS
RUNS = 3


def make_world():
    now = timezone.now()
    numbers = [f"B{n:07d}" for n in range(MEMBERS)]
    user_ids = insert_rows(
        User,
        ({"username": number, "email": "", "kind": User.Kind.MEMBER, "password": "!", "date_joined": now} for number in numbers),
        return_ids=True,
        id_lookup="username",
    )  # fmt: skip
    insert_rows(
        Member,
        (
            {"user_id": user_id, "member_number": number, "family_name": "山田", "given_name": "太郎",
             "family_name_kana": "ヤマダ", "given_name_kana": "タロウ", "joined_on": now.date()}
            for user_id, number in zip(user_ids, numbers, strict=True)
        ),
    )  # fmt: skip
    category = CreditCategory.objects.order_by("pk").first() or CreditCategory.objects.create(name="ベンチ", cap=20)
    seminar = Seminar.objects.create(
        title="ベンチマーク学会", starts_on=now.date(), ends_on=now.date(),
        application_opens_on=now.date(), application_closes_on=now.date(),
    )  # fmt: skip
    sessions = [
        Session.objects.create(seminar=seminar, title=f"S{n}", points=2, credit_category=category)
        for n in range(SESSIONS)
    ]
    members = dict(Member.objects.filter(member_number__in=numbers).values_list("member_number", "id"))
    return numbers, members, sessions


def fresh_state(members, sessions):
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Credit._meta.db_table}")
        cursor.execute(f"DELETE FROM {Registration._meta.db_table}")
    ImportJob.objects.all().delete()
    member_ids = list(members.values())
    Registration.objects.bulk_create(
        [Registration(member_id=member_id, session=sessions[0]) for member_id in member_ids[::10]], batch_size=1000
    )


@pytest.mark.django_db(transaction=True)
def test_attendance_import_rows_per_s():
    numbers, members, sessions = make_world()
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["会員番号", "セッションID", "参加形態"])
    for number in numbers:
        for session in sessions:
            writer.writerow([number, session.pk, "会場"])
    data = buffer.getvalue().encode("utf-8")
    staff = User.objects.create(username="bench-staff", kind=User.Kind.STAFF, is_staff=True, is_superuser=True)

    imports, plain, copies = [], [], []
    for _ in range(RUNS):
        fresh_state(members, sessions)
        start = time.perf_counter()
        job = services.upload(user=staff, kind="attendance", uploaded_file=SimpleUploadedFile("a.csv", data))
        assert job.state == ImportJob.State.PREVIEWED, job.message
        assert job.new_count == ROWS, job.result["errors"][:3]
        job = services.start_apply(job=job, user=staff)
        imports.append(time.perf_counter() - start)
        assert job.state == ImportJob.State.APPLIED, job.message
        assert Credit.objects.count() == ROWS
        assert Registration.objects.exclude(attended_at=None).count() == MEMBERS // 10
        columns, credits = copy_anchor.read_back(Credit)

        if copy_anchor.has_copy():
            fresh_state(members, sessions)
            start = time.perf_counter()
            with transaction.atomic():
                copy_anchor.copy_rows(Credit, columns, credits)
            copies.append(time.perf_counter() - start)
            assert Credit.objects.count() == ROWS

        fresh_state(members, sessions)
        start = time.perf_counter()
        today = timezone.localdate()
        Credit.objects.bulk_create(
            [
                Credit(member_id=members[number], session_id=session.pk, credit_category_id=session.credit_category_id,
                       points=session.points, earned_on=today, source=Credit.Source.IMPORT)
                for number in numbers
                for session in sessions
            ],
            batch_size=1000,
        )  # fmt: skip
        plain.append(time.perf_counter() - start)
        assert Credit.objects.count() == ROWS

    median = statistics.median(imports)
    print(f"\nBENCH attendance_import_rows_per_s {ROWS / median:.0f} rows/s")
    print(f"BENCH attendance_import_vs_bulk_create {median / statistics.median(plain):.2f} ratio")
    if copies:
        print(f"BENCH attendance_import_copy_rows_per_s {ROWS / statistics.median(copies):.0f} rows/s")
        print(f"BENCH attendance_import_vs_copy {copy_anchor.ratio(copies, imports):.2f} ratio")
    else:
        print(copy_anchor.skip_note("attendance_import_vs_copy"))
