"""BENCH notifications_per_s: gateway notifications applied through the real endpoint.

Each notification is stored raw, checked (shop id, known order, amount), confirmed with the
trade-status query and applied under row locks, as in production. Two figures:

- ``notifications_per_s``: the gateway's answers to the status query come from a canned
  responder at the HTTP boundary, so the figure is our side's cost alone (in production the
  query is a network round trip to GMO, which a worker pool overlaps).
- ``notifications_with_sandbox_per_s``: the query is answered by our sandbox gateway's real
  search API, in-process: both sides of the protocol on this machine's two cores.
"""

import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qsl, urlencode

import pytest
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test import Client

from membership import gateway
from membership.models import Invoice, Member, Payment, User
from membership.sandbox.models import SandboxTrade
from tests.http_adapters import DjangoAppAdapter, RecordingAdapter, mounted

pytestmark = pytest.mark.django_db(transaction=True)

COUNT = 5000
BATCH = 1000
SENDERS = 4  # the gateway delivers concurrently; a production server runs several workers


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


def canned_trade_status(request):
    """The gateway's answer for a paid card order, as SearchTradeMulti gives it."""
    fields = dict(parse_qsl(request.body))
    return 200, urlencode(
        {"OrderID": fields["OrderID"], "Status": "CAPTURE", "ProcessDate": "20250601120000", "JobCd": "CAPTURE",
         "AccessID": "A" + fields["OrderID"][-7:], "Amount": "5000", "Tax": "0", "PayType": "0"}
    )  # fmt: skip


def deliver_all(bodies, senders):
    """POST every body to the endpoint from ``senders`` concurrent connections, as the gateway does."""

    def send(chunk):
        client = Client()
        try:
            for body in chunk:
                response = client.post("/payments/gmo/notify", body, content_type="application/x-www-form-urlencoded")
                assert response.content == b"0"
        finally:
            connection.close()

    chunks = [bodies[i::senders] for i in range(senders)]
    with ThreadPoolExecutor(max_workers=senders) as pool:
        list(pool.map(send, chunks))


def notifications_per_second(adapter, senders=SENDERS):
    rates = []
    with mounted(gateway.http, settings.SITE_URL, adapter):
        for run in range(COUNT // BATCH):
            order_ids = make_orders(run * BATCH, BATCH)
            bodies = [
                urlencode({"ShopID": settings.GMO_SHOP_ID, "ShopPass": "**********", "OrderID": order_id,
                           "Status": "CAPTURE", "JobCd": "CAPTURE", "Amount": "5000", "Tax": "0", "PayType": "0"})
                for order_id in order_ids
            ]  # fmt: skip
            started = time.perf_counter()
            deliver_all(bodies, senders)
            rates.append(len(bodies) / (time.perf_counter() - started))
    assert Invoice.objects.filter(status="paid").count() == COUNT
    return statistics.median(rates)


@pytest.fixture
def production_tasks(settings):
    """As in production: side effects (the paid mail) are queued for the worker, not sent inline."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_notifications_per_second(production_tasks):
    rate = notifications_per_second(RecordingAdapter(canned_trade_status))
    print(f"\nBENCH notifications_per_s {rate:.0f} 1/s")


def test_notifications_with_sandbox_per_second(production_tasks):
    rate = notifications_per_second(DjangoAppAdapter(settings.SITE_URL))
    print(f"\nBENCH notifications_with_sandbox_per_s {rate:.0f} 1/s")
