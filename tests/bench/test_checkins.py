"""BENCH checkins_per_s: tickets checked in at the desk through the real endpoint.

gunicorn runs as the README's production line says (DEBUG off, its worker count, PostgreSQL,
the production settings; tests/bench/test_member_pages_capacity.py), on loopback beside the
desks (tests/bench/desk.py), all on this machine's cores. DESKS receptionists' phones, each
logged in with the second factor and holding the desk page's CSRF token, post signed ticket codes
to the scan endpoint (``renewal.views.checkin.scan``), one code per request, each the next as soon
as the last one was answered: the session and second factor checked, the code's HMAC checked, the
registration locked and marked attended with its credit and history entry
(``renewal.attendance``), each request its own transaction, and the session's counts answered.
The goal is at least 100 a second.

- ``checkins_per_s``: scans a second, every code a new registration (median of ROUNDS rounds);
- ``checkins_repeat_per_s``: the same codes again, each answered 「参加済」 (the offline queue's
  retries: no write);
- ``checkin_p50_ms``: one scan's response time at that load (median);
- ``checkins_vs_login``: the time of a scan over the anonymous login page's, both at the same
  concurrency, measured alternately (median of the rounds' ratios).

Afterwards every registration is attended once, with one credit and one history entry.

First run (the test client in 5 processes, 2 shared cores): 45 a second on a quiet machine,
about 25 a second in one process: a repeat (no write) already cost ~25 ms, mostly the admin's
request path (Wagtail's admin wrapper: the user's language and time zone) and ~14 queries.
Then the endpoint left Wagtail's wrapper (its own checks, the same) and the attendance rule
reads the registration once, locked, and writes without a savepoint: 19 queries a scan to 13;
a repeat reads without a row lock (11 queries, no write). This benchmark on a machine loaded
9-16 by other jobs, the code before and after run alternately, three times each:
``checkins_vs_login`` 3.5, 3.2, 3.6 before; 2.0, 2.4, 2.5 after. Absolute figures at that load
(15-26 a second either way, the login page 20-140) say little.
"""

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from membership.models import Member, User
from renewal.attendance import ATTENDED_ACTION
from renewal.checkin_codes import ticket_code
from renewal.models import CreditCategory, Registration, Seminar, Session
from tests.bench import history
from tests.bench.desk import open_desk, receptionist_client, scan_all
from tests.bench.load import fetch, saturate
from tests.bench.test_member_pages_capacity import production_environment

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
PORT = 8700
WORKERS = 2 * (os.cpu_count() or 1) + 1  # the README's production line: 2 × cores + 1
DESKS = 2 * WORKERS  # enough phones posting at once to keep every worker busy
CODES = 200  # a round
ROUNDS = 3
LOGIN_SECONDS = 2


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


@pytest.fixture
def gunicorn():
    env = production_environment()
    python = sys.executable
    subprocess.run([python, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    server = subprocess.Popen(
        [Path(python).parent / "gunicorn", "--pythonpath", "site", "config.wsgi", "--bind", f"127.0.0.1:{PORT}",
         "--workers", str(WORKERS), "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        for _ in range(600):
            try:
                fetch(PORT, reverse("wagtailadmin_login"))
                break
            except (OSError, AssertionError):
                time.sleep(0.1)
        yield PORT
    finally:
        server.terminate()
        server.wait(timeout=30)


# --- the benchmark --------------------------------------------------------------------------


@override_settings(SECRET_KEY=history.SECRET_KEY)  # the server's: sessions and ticket codes valid there
def test_checkins_per_s(gunicorn):
    port = gunicorn
    today = timezone.localdate()
    category, _ = CreditCategory.objects.get_or_create(name="技師学会・研究会", defaults={"cap": 20})
    seminar = Seminar.objects.create(title="受付ベンチ", starts_on=today, ends_on=today,
                                     application_opens_on=today, application_closes_on=today)  # fmt: skip
    session = Session.objects.create(seminar=seminar, title="講演", points=10, credit_category=category)
    rounds = [make_codes(session, i * CODES, CODES) for i in range(ROUNDS)]
    cookie_name = settings.SESSION_COOKIE_NAME
    sessions = [receptionist_client(f"bench-desk-{n}").cookies[cookie_name].value for n in range(DESKS)]
    desk_path, scan_path = reverse("checkin:desk", args=[session.pk]), reverse("checkin_scan", args=[session.pk])
    desks = [open_desk(port, desk_path, f"{cookie_name}={value}") for value in sessions]
    login = [(reverse("wagtailadmin_login"), "")] * (DESKS * 1000)
    for path, cookie in login[:WORKERS]:  # every worker warmed up
        fetch(port, path, cookie)

    rates, repeats, ratios, latencies = [], [], [], []
    for codes in rounds:
        login_rate = saturate(port, iter(login), clients=DESKS, seconds=LOGIN_SECONDS)
        rate, times = scan_all(port, scan_path, desks, codes, "attended")
        repeat, _ = scan_all(port, scan_path, desks, codes, "already")
        rates.append(rate)
        repeats.append(repeat)
        latencies += times
        ratios.append(login_rate / rate)
        print(f"\n  login {login_rate:.0f}/s, check-ins {rate:.0f}/s, repeats {repeat:.0f}/s")

    total = ROUNDS * CODES
    attended = Registration.objects.filter(session=session, attended_at__isnull=False)
    assert attended.count() == total and session.credits.count() == total
    assert ModelLogEntry.objects.filter(action=ATTENDED_ACTION).count() == total
    print(f"BENCH checkins_per_s {statistics.median(rates):.0f} per_s")
    print(f"BENCH checkins_repeat_per_s {statistics.median(repeats):.0f} per_s")
    print(f"BENCH checkin_p50_ms {statistics.median(latencies) * 1000:.0f} ms")
    print(f"BENCH checkins_vs_login {statistics.median(ratios):.2f} ratio")
