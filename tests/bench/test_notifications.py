"""BENCH notifications_per_s: gateway notifications applied through the real endpoint.

Each notification is stored raw, checked (shop id, known order, amount), confirmed with the
trade-status query and applied under row locks, as in production. The gateway's answers to the
status query come from a canned responder at the HTTP boundary, so the figures are our side's
cost (in production the query is a network round trip to GMO, which worker processes overlap):

- ``notification_vs_login``: one notification's time (one process, one after another) over the
  login page's median time, measured just before each batch; the median over the batches;
- ``notifications_per_s``: WORKERS app processes share the notifications, the deployed shape
  (gunicorn workers), on this machine's two cores;
- ``notifications_one_worker_per_s``: one process, one notification after another;
- ``notifications_with_sandbox_per_s``: one process, with the status query answered by our
  sandbox gateway's real search API in-process (both sides of the protocol on one core).
"""

import multiprocessing
import os
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test import Client
from django.urls import reverse

from gateway_sandbox.models import SandboxTrade
from membership import gateway
from membership.models import Invoice, Member, Payment, User
from tests.bench.sender import canned_trade_status, init_worker, ready, send_notifications
from tests.bench.timing import median_time
from tests.http_adapters import DjangoAppAdapter, RecordingAdapter, mounted

pytestmark = pytest.mark.django_db(transaction=True)

COUNT = 1500  # three batches: each figure is a median of three
BATCH = 500
WORKERS = 2 * (os.cpu_count() or 1) + 1  # gunicorn's advice for its worker count: 2 × cores + 1


def make_orders(start, count):
    password = make_password(None)
    users = User.objects.bulk_create(
        [User(username=f"B{start + i:07d}", password=password, kind="member") for i in range(count)]
    )
    members = Member.objects.bulk_create(
        [Member(user=user, member_number=user.username, family_name="試験", given_name="太郎") for user in users]
    )
    invoices = Invoice.objects.bulk_create(
        [Invoice(member=m, category="dues", fiscal_year=2025, subject="dues:2025", amount=5000) for m in members]
    )
    payments = Payment.objects.bulk_create(
        [
            Payment(invoice=inv, method="card", order_id=f"D2025-B{start + i:07d}", amount=5000)
            for i, inv in enumerate(invoices)
        ]
    )
    SandboxTrade.objects.bulk_create(
        [
            SandboxTrade(order_id=p.order_id, shop_id=settings.GMO_SHOP_ID, amount=5000, tax=0, pay_type="0",
                         status="CAPTURE", job_cd="CAPTURE", access_id=f"A{p.pk}", ret_url="", cancel_url="")
            for p in payments
        ]
    )  # fmt: skip
    return [p.order_id for p in payments]


def notification_bodies(order_ids):
    return [
        urlencode({"ShopID": settings.GMO_SHOP_ID, "ShopPass": "**********", "OrderID": order_id,
                   "Status": "CAPTURE", "JobCd": "CAPTURE", "Amount": "5000", "Tax": "0", "PayType": "0"})
        for order_id in order_ids
    ]  # fmt: skip


def measure(deliver, first_order, anchor=None):
    """Median rate over COUNT notifications in batches of BATCH fresh orders; all must pay.

    With ``anchor`` (a callable returning seconds), also the median over the batches of one
    notification's time over the anchor's, measured just before the batch."""
    rates, ratios = [], []
    paid_before = Invoice.objects.filter(status="paid").count()
    for start in range(first_order, first_order + COUNT, BATCH):
        bodies = notification_bodies(make_orders(start, BATCH))
        base = anchor() if anchor else None
        started = time.perf_counter()
        deliver(bodies)
        elapsed = time.perf_counter() - started
        rates.append(len(bodies) / elapsed)
        if anchor:
            ratios.append(elapsed / len(bodies) / base)
    assert Invoice.objects.filter(status="paid").count() - paid_before == COUNT
    if anchor:
        return statistics.median(rates), statistics.median(ratios)
    return statistics.median(rates)


def in_process(adapter):
    client = Client()

    def deliver(bodies):
        with mounted(gateway.http, settings.SITE_URL, adapter):
            for body in bodies:
                response = client.post("/payments/gmo/notify", body, content_type="application/x-www-form-urlencoded")
                assert response.content == b"0"

    return deliver


@pytest.fixture
def production_tasks(settings):
    """As in production: side effects (the paid mail) are queued for the worker, not sent inline."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_notifications_per_second(production_tasks):
    login_page = reverse("member:login")
    one, ratio = measure(
        in_process(RecordingAdapter(canned_trade_status)),
        first_order=0,
        anchor=lambda: median_time(Client(), login_page),
    )
    print(f"\nBENCH notifications_one_worker_per_s {one:.0f} 1/s")
    print(f"BENCH notification_vs_login {ratio:.2f} ratio")

    # The deployed shape: WORKERS app processes (gunicorn workers) share the notifications.
    database = connection.settings_dict["NAME"]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(WORKERS, mp_context=context, initializer=init_worker, initargs=(database,)) as pool:
        assert all(pool.map(ready, range(WORKERS)))

        def deliver(bodies):
            assert sum(pool.map(send_notifications, [bodies[i::WORKERS] for i in range(WORKERS)])) == len(bodies)

        rate = measure(deliver, first_order=COUNT)
    print(f"BENCH notifications_per_s {rate:.0f} 1/s")


def test_notifications_with_sandbox_per_second(production_tasks):
    rate = measure(in_process(DjangoAppAdapter(settings.SITE_URL)), first_order=0)
    print(f"\nBENCH notifications_with_sandbox_per_s {rate:.0f} 1/s")
