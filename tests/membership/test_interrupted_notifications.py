"""A gateway notification stored (受信) by a process killed before its outcome was stored:
``manage.py reconcile_payments`` completes it. The process is real (SIGKILL), PostgreSQL only."""

import io
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from gateway_sandbox.models import SandboxTrade
from membership import gateway
from membership.billing.notifications import receive_notification
from membership.models import GatewayNotification, Invoice, Payment, ReceiptCounter
from tests import processes
from tests.factories import InvoiceFactory, MemberFactory
from tests.http_adapters import DjangoAppAdapter, mounted

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a killed process on the test database"),
]


@pytest.fixture(autouse=True)
def gateway_in_process():
    with mounted(gateway.http, settings.SITE_URL, DjangoAppAdapter(settings.SITE_URL)):
        yield


def paid_card_attempt(order_id):
    invoice = InvoiceFactory(member=MemberFactory(), fiscal_year=2025)
    payment = Payment.objects.create(invoice=invoice, method="card", order_id=order_id, amount=5000)
    SandboxTrade.objects.create(
        order_id=order_id, shop_id=settings.GMO_SHOP_ID, amount=5000, tax=0, pay_type="0",
        status="CAPTURE", job_cd="CAPTURE", access_id="A1", ret_url="", cancel_url="",
    )  # fmt: skip
    body = urlencode({"ShopID": settings.GMO_SHOP_ID, "OrderID": order_id, "Status": "CAPTURE", "Amount": "5000"})
    return invoice, payment, body


def kill_while_receiving(body, tmp_path):
    body_file, marker = tmp_path / "body.txt", tmp_path / "stuck"
    body_file.write_text(body)
    processes.kill_when_stuck(["-m", "tests.membership.interrupted_notification", str(body_file), str(marker)], marker)
    return GatewayNotification.objects.get()


def reconcile():
    out = io.StringIO()
    call_command("reconcile_payments", "--older-than", "0", stdout=out)
    return out.getvalue()


def test_a_notification_left_at_received_by_a_killed_worker_is_applied_by_reconcile(tmp_path):
    invoice, payment, body = paid_card_attempt("D2025-KILL-0001")
    record = kill_while_receiving(body, tmp_path)
    # Stored first (受信); the attempt is linked only together with the outcome.
    assert record.outcome == GatewayNotification.Outcome.RECEIVED and record.order_id == payment.order_id
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.UNPAID

    out = reconcile()
    assert "1 notification(s) left at received completed: applied 1" in out
    record.refresh_from_db()
    assert record.outcome == GatewayNotification.Outcome.APPLIED and record.processed_at is not None
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID and ReceiptCounter.objects.get().last_number == 1

    assert "notification(s) left at received" not in reconcile()  # a second run has nothing to do


def test_the_gateways_resend_pays_and_reconcile_records_the_killed_one_as_a_duplicate(tmp_path):
    invoice, _payment, body = paid_card_attempt("D2025-KILL-0002")
    record = kill_while_receiving(body, tmp_path)
    assert receive_notification(body) is True  # the gateway, unanswered, sent it again

    assert "completed: no_change 1" in reconcile()
    record.refresh_from_db()
    assert record.outcome == GatewayNotification.Outcome.NO_CHANGE
    assert sorted(GatewayNotification.objects.values_list("outcome", flat=True)) == ["applied", "no_change"]
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID and ReceiptCounter.objects.get().last_number == 1
