"""BENCH auto_charges_per_s: the automatic charges of a 5,000-member dues run (自動継続).

The charges go through the sandbox gateway over real HTTP: a live server (gunicorn, the
deployed shape, on this app with the sandbox mounted) answers EntryTran, ExecTran, the
trade-status query and, for the declined cards, AlterTran; our side runs ``run_auto_charges``
in this process as the task worker would, with its threads. The server queues its result
notifications for a task worker that this benchmark does not run (they would find every charge
applied already). Afterwards: every invoice paid once, one captured trade per invoice, and a
second run charges nothing.

Also printed, ``auto_charges_per_cpu_s``: charges per CPU second used by both sides (this
process and the server's workers, the database not counted). On a machine shared with other
work the rate measures the share this benchmark got; this one does not depend on it (two idle
cores give at most about twice it).
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from django.conf import settings
from django.contrib.auth.hashers import make_password

from gateway_sandbox.models import SandboxCard, SandboxMember, SandboxTrade
from membership.billing.auto_charges import run_auto_charges, schedule_auto_charges
from membership.billing.autopay import gateway_member_id
from membership.models import AutoCharge, AutoPay, Invoice, Member, User
from tests.processes import REPO, child_env

pytestmark = pytest.mark.django_db(transaction=True)

COUNT = int(os.environ.get("BENCH_AUTO_CHARGES_COUNT", "5000"))
YEAR = 2031
PORT = int(os.environ.get("BENCH_AUTO_CHARGES_PORT", "8641"))
SERVER_WORKERS = 4


def cpu_seconds(pids):
    """User + system CPU time of the processes (all their threads) so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def make_members():
    password = make_password(None)
    users = User.objects.bulk_create(
        [User(username=f"C{i:07d}", password=password, kind="member", email=f"c{i}@example.jp") for i in range(COUNT)]
    )
    members = Member.objects.bulk_create(
        [Member(user=user, member_number=user.username, family_name="試験", given_name="花子") for user in users]
    )
    AutoPay.objects.bulk_create(
        [AutoPay(member=m, gateway_member_id=gateway_member_id(m), state="active", card_seq="0",
                 card_number_masked="************1111", card_expire="3912") for m in members]
    )  # fmt: skip
    gateway_members = SandboxMember.objects.bulk_create(
        [SandboxMember(site_id=settings.GMO_SITE_ID, member_id=gateway_member_id(m)) for m in members]
    )
    SandboxCard.objects.bulk_create(
        [SandboxCard(member=g, card_seq=0, card_number="4111111111111111", expire="3912") for g in gateway_members]
    )
    Invoice.objects.bulk_create(
        [Invoice(member=m, category="dues", fiscal_year=YEAR, subject=f"dues:{YEAR}", amount=5000) for m in members]
    )


@pytest.fixture
def live_gateway(settings):
    """gunicorn serving this app (and so the sandbox) on the test database, at PORT."""
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", PORT)) != 0, f"port {PORT} is in use"
    base = f"http://127.0.0.1:{PORT}"
    # Each worker keeps its database connection, as in production (DEBUG, which the child runs
    # with for the sandbox, would otherwise open one per request).
    env = child_env(PORT=PORT, PAYMENT_GATEWAY="sandbox", TASKS_BACKEND="database", SANDBOX_NOTIFY_AFTER_ANSWER="0",
                    DB_CONN_MAX_AGE="600")  # fmt: skip
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{PORT}", "-w", str(SERVER_WORKERS),
         "--chdir", str(REPO / "site"), "--log-level", "warning"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                urllib.request.urlopen(f"{base}/member/login", timeout=5)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("the live gateway did not start") from None
                time.sleep(0.5)
        settings.GMO_API_URL = f"{base}/sandbox-gateway/api"
        settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # mails queued, as in production
        settings.AUTOPAY_NOTICE_DAYS = 0
        yield server
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_auto_charges_per_second(live_gateway):
    make_members()
    run = schedule_auto_charges(fiscal_year=YEAR)
    assert run.total == COUNT

    with open(f"/proc/{live_gateway.pid}/task/{live_gateway.pid}/children") as children:
        pids = [os.getpid(), live_gateway.pid, *map(int, children.read().split())]
    cpu_before, started = cpu_seconds(pids), time.perf_counter()
    run = run_auto_charges(run_id=run.pk)
    rate = COUNT / (time.perf_counter() - started)
    per_cpu_second = COUNT / (cpu_seconds(pids) - cpu_before)
    print(f"\nBENCH auto_charges_per_s {rate:.0f} 1/s")
    print(f"BENCH auto_charges_per_cpu_s {per_cpu_second:.0f} 1/s")

    assert (run.state, run.charged, run.declined) == ("done", COUNT, 0)
    assert Invoice.objects.filter(fiscal_year=YEAR, status="paid", channel="card").count() == COUNT
    assert SandboxTrade.objects.filter(order_id__startswith=f"A{YEAR}-", status="CAPTURE").count() == COUNT
    run_auto_charges(run_id=run.pk)  # again: nothing left to charge, nothing charged twice
    assert SandboxTrade.objects.filter(order_id__startswith=f"A{YEAR}-").count() == COUNT
    assert AutoCharge.objects.filter(run=run, state="paid").count() == COUNT
