"""Races on PostgreSQL: two threads, each in its own transaction, meet at a barrier first."""

import datetime
import threading
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.db import connection

from gateway_sandbox.models import SandboxTrade
from membership import gateway
from membership.billing.notifications import receive_notification
from membership.billing.payments import record_manual_payment
from membership.models import GatewayNotification, Invoice, Payment, ReceiptCounter
from tests.factories import InvoiceFactory, MemberFactory
from tests.http_adapters import DjangoAppAdapter, mounted

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are only real on PostgreSQL"),
]


def run_together(*calls):
    """Run each call in its own thread (own connection), released together by a barrier."""
    barrier = threading.Barrier(len(calls))
    results, errors = [None] * len(calls), []

    def worker(index, call):
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as error:  # noqa: BLE001 - reported by the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


@pytest.fixture(autouse=True)
def gateway_in_process():
    with mounted(gateway.http, settings.SITE_URL, DjangoAppAdapter(settings.SITE_URL)):
        yield


def test_two_deliveries_of_one_notification_pay_once_with_one_receipt_number():
    member = MemberFactory()
    invoice = InvoiceFactory(member=member, fiscal_year=2025)
    payment = Payment.objects.create(invoice=invoice, method="card", order_id="D2025-RACE-0001", amount=5000)
    SandboxTrade.objects.create(
        order_id=payment.order_id, shop_id=settings.GMO_SHOP_ID, amount=5000, tax=0, pay_type="0",
        status="CAPTURE", job_cd="CAPTURE", access_id="A1", ret_url="", cancel_url="",
    )  # fmt: skip
    body = urlencode(
        {
            "ShopID": settings.GMO_SHOP_ID,
            "OrderID": payment.order_id,
            "Status": "CAPTURE",
            "Amount": "5000",
            "PayType": "0",
        }
    )
    acknowledged = run_together(lambda: receive_notification(body), lambda: receive_notification(body))
    assert acknowledged == [True, True]
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert sorted(GatewayNotification.objects.values_list("outcome", flat=True)) == ["applied", "no_change"]
    assert ReceiptCounter.objects.get().last_number == 1
    assert invoice.receipt_number.endswith("-000001")


def test_receipt_numbers_stay_unique_and_gapless_under_concurrent_payments():
    invoices = [InvoiceFactory(fiscal_year=2025) for _ in range(8)]
    day = datetime.date(2025, 6, 1)
    calls = [
        (lambda pk=invoice.pk: record_manual_payment(invoice_id=pk, channel="counter", paid_on=day, notify=False))
        for invoice in invoices
    ]
    run_together(*calls)
    numbers = sorted(Invoice.objects.values_list("receipt_number", flat=True))
    assert numbers == [f"2025-{n:06d}" for n in range(1, 9)]


def test_a_payment_applied_while_a_new_attempt_is_being_started_closes_that_attempt():
    """The member starts a new attempt (invoice locked) just as the old one's payment arrives."""
    invoice = InvoiceFactory(fiscal_year=2025)
    old = Payment.objects.create(
        invoice=invoice, method="card", order_id="D2025-RACE-0002", amount=5000, status=Payment.Status.CANCELLED
    )
    SandboxTrade.objects.create(
        order_id=old.order_id, shop_id=settings.GMO_SHOP_ID, amount=5000, tax=0, pay_type="0",
        status="CAPTURE", job_cd="CAPTURE", access_id="A2", ret_url="", cancel_url="",
    )  # fmt: skip
    body = urlencode({"ShopID": settings.GMO_SHOP_ID, "OrderID": old.order_id, "Status": "CAPTURE", "PayType": "0"})
    invoice_locked = threading.Event()

    def start_a_new_attempt():
        from django.db import transaction

        with transaction.atomic():
            Invoice.objects.select_for_update().get(pk=invoice.pk)  # as start_payment does
            invoice_locked.set()
            new = Payment.objects.create(invoice=invoice, method="card", order_id="D2025-RACE-0003", amount=5000)
            threading.Event().wait(1.0)  # the notification now waits for the invoice
        return new.pk

    def deliver_the_old_payment():
        invoice_locked.wait(timeout=10)
        return receive_notification(body)

    new_pk, acknowledged = run_together(start_a_new_attempt, deliver_the_old_payment)
    assert acknowledged is True
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert Payment.objects.get(pk=new_pk).status == Payment.Status.CANCELLED  # nobody can pay it twice
