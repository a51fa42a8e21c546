"""BENCH checkins_per_s: tickets checked in at the desk through the real endpoint.

Receptionists' logged-in clients (password and second factor, as at a real desk) post one signed
ticket code after another to the scan endpoint (``renewal.views.checkin.scan``): the code's HMAC
is checked, the registration locked and marked attended with its credit and history entry
(``renewal.attendance``), and the session's counts answered, each request in its own
transaction as in production. The goal is at least 100 a second.

- ``checkins_per_s``: WORKERS app processes (gunicorn workers, the deployed shape) share the
  codes, as several desks' phones would, on this machine's two cores;
- ``checkins_one_worker_per_s``: one process, one code after another;
- ``checkins_repeat_per_s``: one process, the same codes again, each answered 「参加済」 (what
  the offline queue's retries cost).

Medians of a few batches; the figures are noisy on a shared machine (compare run to run).
First run (PostgreSQL, 2 shared cores, machine_python_loop_ms 123): 24 a second in one process,
29 with the workers, 41 for repeats: short of the goal. A repeat (no write) already costs
~25 ms, nearly all of it the admin's request path (session, user, second-factor device,
permissions, Wagtail's admin access and localisation), so the next step is a lighter path for
this one endpoint rather than fewer queries in the attendance rule.
"""

import multiprocessing
import os
import statistics
import time
from concurrent.futures import ProcessPoolExecutor

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from membership.models import Member, User
from renewal.checkin_codes import ticket_code
from renewal.models import CreditCategory, Registration, Seminar, Session
from tests.bench.desk import init_worker, log_in_worker, post_codes, receptionist_client, worker_post

pytestmark = pytest.mark.django_db(transaction=True)

BATCH = 200
BATCHES = 3
WORKERS = 2 * (os.cpu_count() or 1) + 1  # gunicorn's advice for its worker count: 2 × cores + 1


def make_codes(session, start, count):
    password = make_password(None)
    users = User.objects.bulk_create(
        [User(username=f"C{start + i:07d}", password=password, kind="member") for i in range(count)]
    )
    members = Member.objects.bulk_create(
        [Member(user=user, member_number=user.username, family_name="受付", given_name="太郎") for user in users]
    )
    registrations = Registration.objects.bulk_create(
        [Registration(session=session, member=m, ticket_number=f"S{session.pk}-{start + i + 1:05d}") for i, m in enumerate(members)]
    )  # fmt: skip
    return [ticket_code(registration.ticket_number) for registration in registrations]


# --- the benchmark --------------------------------------------------------------------------


def test_checkins_per_s():
    today = timezone.localdate()
    category, _ = CreditCategory.objects.get_or_create(name="技師学会・研究会", defaults={"cap": 20})
    seminar = Seminar.objects.create(title="受付ベンチ", starts_on=today, ends_on=today,
                                     application_opens_on=today, application_closes_on=today)  # fmt: skip
    session = Session.objects.create(seminar=seminar, title="講演", points=10, credit_category=category)
    url = reverse("checkin:scan", args=[session.pk])
    client = receptionist_client("bench-uketsuke")
    client.post(url, {"code": "warm-up", "action": "look"})

    def measure(codes_of_batch, send):
        rates = []
        for batch in codes_of_batch:
            started = time.perf_counter()
            assert send(batch) == len(batch)
            rates.append(len(batch) / (time.perf_counter() - started))
        return statistics.median(rates)

    first_batches = [make_codes(session, i * BATCH, BATCH) for i in range(BATCHES)]
    one = measure(first_batches, lambda batch: post_codes(client, url, batch, "attended"))
    repeat = measure(first_batches, lambda batch: post_codes(client, url, batch, "already"))
    print(f"\nBENCH checkins_one_worker_per_s {one:.0f} per_s")
    print(f"BENCH checkins_repeat_per_s {repeat:.0f} per_s")

    pool_batches = [make_codes(session, (BATCHES + i) * BATCH, BATCH) for i in range(BATCHES)]
    context = multiprocessing.get_context("spawn")
    database = connection.settings_dict["NAME"]
    with ProcessPoolExecutor(WORKERS, mp_context=context, initializer=init_worker, initargs=(database, url)) as pool:
        assert all(pool.map(log_in_worker, range(WORKERS)))
        shared = measure(
            pool_batches, lambda batch: sum(pool.map(worker_post, [batch[i::WORKERS] for i in range(WORKERS)]))
        )

    total = 2 * BATCHES * BATCH
    assert Registration.objects.filter(session=session, attended_at__isnull=False).count() == total
    assert session.credits.count() == total
    print(f"BENCH checkins_per_s {shared:.0f} per_s")
