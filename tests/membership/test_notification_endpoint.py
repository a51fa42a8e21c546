"""The result-notification endpoint's edges (issue 11, item 10): size, fields, encodings, lock
timeouts, and what the member's page shows of an unsigned ErrCode."""

import threading
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from gateway_sandbox.models import SandboxTrade
from membership import gateway
from membership.billing.notifications import receive_notification
from membership.models import GatewayNotification, Invoice, Payment
from tests.factories import InvoiceFactory
from tests.http_adapters import DjangoAppAdapter, mounted

NOTIFY_PATH = "/payments/gmo/notify"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture(autouse=True)
def gateway_in_process():
    with mounted(gateway.http, settings.SITE_URL, DjangoAppAdapter(settings.SITE_URL)):
        yield


def notification(**fields):
    return urlencode({"ShopID": settings.GMO_SHOP_ID, "ShopPass": "**********", **fields})


def post(body):
    return Client(raise_request_exception=False).post(NOTIFY_PATH, body, content_type=FORM)


def attempt(order_id, *, trade_status="UNPROCESSED", member=None):
    invoice = InvoiceFactory(fiscal_year=2025, **({"member": member} if member else {}))
    payment = Payment.objects.create(invoice=invoice, method="card", order_id=order_id, amount=5000)
    SandboxTrade.objects.create(
        order_id=order_id, shop_id=settings.GMO_SHOP_ID, amount=5000, tax=0, pay_type="0", status=trade_status,
        job_cd="CAPTURE" if trade_status == "CAPTURE" else "", ret_url="", cancel_url="", checkout_hash="x",
    )  # fmt: skip
    return payment


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        notification(OrderID="D2025-0000001-AAAA") + "\x00",
        notification(OrderID="D2025-0000001-AAAA") + "&ErrInfo=%00",
        b"ShopID=tshop00000001&OrderID=\xff\xfe",
        notification(OrderID="D2025-0000001-AAAA", Comment="hello"),
        notification(OrderID="D2025-0000001-AAAA") + "&OrderID=D2025-0000002-BBBB",
        notification(OrderID="D2025-0000001-AAAA", ErrInfo="x" * 500),
    ],
    ids=["nul-byte", "encoded-nul", "not-utf8", "unknown-field", "repeated-field", "overlong-value"],
)
def test_a_body_that_is_not_a_notification_is_stored_flagged_and_answered_non_zero(body):
    attempt("D2025-0000001-AAAA")

    response = post(body)

    assert response.status_code == 400 and response.content == b"1"
    stored = GatewayNotification.objects.get()
    assert stored.outcome == GatewayNotification.Outcome.FLAGGED and stored.detail.startswith("受け付けませんでした")
    assert Invoice.objects.get().status == Invoice.Status.UNPAID


@pytest.mark.django_db
def test_a_body_larger_than_the_protocol_s_is_refused_without_storing_it():
    response = post(notification(OrderID="D2025-0000001-AAAA", ErrInfo="x" * 90) + "&" + "a=b&" * 25_000)

    assert response.status_code == 413 and response.content == b"1"
    assert not GatewayNotification.objects.exists()


@pytest.mark.django_db
def test_a_paying_notification_takes_no_more_queries_than_before():
    payment = attempt("D2025-0000001-AAAA", trade_status="CAPTURE")
    body = notification(OrderID=payment.order_id, Status="CAPTURE", JobCd="CAPTURE", Amount="5000", PayType="0")
    with CaptureQueriesContext(connection) as queries:
        assert receive_notification(body) is True
    ours = [query for query in queries.captured_queries if "sandbox" not in query["sql"]]
    # Store, lock, pay (one statement with the receipt number and the notification's outcome),
    # plus the paid mail's queueing.
    assert len(ours) == BASELINE_QUERIES, [query["sql"][:80] for query in ours]
    assert Invoice.objects.get().status == Invoice.Status.PAID


# Measured with this test on the code before issue 11 (PostgreSQL pays in one statement).
BASELINE_QUERIES = 5 if connection.vendor == "postgresql" else 9


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("err_code", "shown"),
    [
        ("G02", "カード残高が不足しています"),
        ("0120-00-0000 へお電話ください", "カード会社で決済が承認されませんでした"),
    ],
)
def test_the_payment_page_shows_our_own_message_for_a_notified_error_code(member_client, member, err_code, shown):
    payment = attempt("D2025-0000001-AAAA", member=member)
    member.profile_saved_at = timezone.now()
    member.save()
    body = notification(OrderID=payment.order_id, Status="UNPROCESSED", PayType="0", ErrCode=err_code, ErrInfo="x")
    assert post(body).content == b"0"

    page = member_client.get(reverse("member:payment", args=[payment.order_id])).content.decode()

    assert shown in page
    assert "0120" not in page and "お電話" not in page


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="lock timeouts are only real on PostgreSQL")
def test_a_notification_waiting_past_the_lock_timeout_is_stored_and_answered_retry():
    payment = attempt("D2025-0000001-AAAA", trade_status="CAPTURE")
    body = notification(OrderID=payment.order_id, Status="CAPTURE", JobCd="CAPTURE", Amount="5000", PayType="0")
    locked, answered = threading.Event(), threading.Event()
    response = {}

    def hold_the_payment():
        try:
            with transaction.atomic():
                Payment.objects.select_for_update().get(pk=payment.pk)
                locked.set()
                answered.wait(timeout=30)
        finally:
            connection.close()

    def deliver():
        try:
            locked.wait(timeout=10)
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = '300ms'")
            response["answer"] = post(body)
        finally:
            answered.set()
            connection.close()

    threads = [threading.Thread(target=hold_the_payment), threading.Thread(target=deliver)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert response["answer"].status_code == 503 and response["answer"].content == b"1"
    stored = GatewayNotification.objects.get()
    assert stored.outcome == GatewayNotification.Outcome.RETRY and "CAPTURE" in stored.body
    assert receive_notification(body) is True  # sent again once the lock is gone: applied
    assert Invoice.objects.get().status == Invoice.Status.PAID
