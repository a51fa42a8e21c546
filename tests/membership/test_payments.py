"""Guide 4 ③–⑤ end to end against the sandbox gateway, in-process.

The member's browser is a Django test client; the gateway is our sandbox app reached over
``requests`` through an in-process adapter, so the client code, the notification endpoint and
the trade-status query all run as they would against GMO.
"""

import re
from urllib.parse import urlencode, urlsplit

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from gateway_sandbox import delivery
from gateway_sandbox.models import SandboxNotification, SandboxTrade
from membership import gateway
from membership.billing.errors import BillingError
from membership.billing.payments import record_manual_payment, start_payment
from membership.models import GatewayNotification, Invoice, Payment
from tests.factories import InvoiceFactory
from tests.http_adapters import RecordingAdapter, mounted

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("gateway_loop")]

CARD = {"card_number": "4111111111111111", "expiry": "12/39", "holder_name": "HANAKO YAMADA", "security_code": "123"}
DECLINED = "4000000000000002"
NOTIFY_PATH = "/payments/gmo/notify"


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


@pytest.fixture
def invoice(member):
    member.profile_saved_at = timezone.now()  # ① done: the member confirmed the profile today
    member.save()
    return InvoiceFactory(member=member, fiscal_year=2025)


def decide(member_client, invoice, method):
    """③ 決定 on the method page; returns the attempt."""
    member_client.post(reverse("member:payment_method", args=[invoice.pk]), {"method": method})
    return Payment.objects.get(invoice=invoice, status__in=Payment.OPEN_STATUSES)


def checkout_path(member_client, payment):
    """④ the GMO button's link, as a path on this site (the sandbox lives here)."""
    page = member_client.get(reverse("member:payment", args=[payment.order_id])).content.decode()
    button = re.search(r'href="([^"]+)"[^>]*>GMO お支払い手続きページ', page).group(1)
    url = member_client.get(button).url  # our check, then the gateway's checkout
    assert url.startswith(settings.GMO_LINK_URL)
    return urlsplit(url).path


def pay_by_card(member_client, invoice, commit, card_number=CARD["card_number"]):
    payment = decide(member_client, invoice, "card")
    browser = Client()  # the member's browser at the gateway's site
    path = checkout_path(member_client, payment)
    assert browser.get(path).status_code == 200
    with commit():
        browser.post(path, {**CARD, "card_number": card_number})
    payment.refresh_from_db()
    return payment


def request_store_numbers(member_client, invoice, commit):
    payment = decide(member_client, invoice, "cvs")
    browser = Client()
    path = checkout_path(member_client, payment)
    form = {"cvs_code": "10002", "name": "ヤマダ ハナコ", "phone": "0312345678"}
    browser.get(path)
    browser.post(path, {**form, "step": "confirm"})
    with commit():
        browser.post(path, {**form, "step": "complete"})
    payment.refresh_from_db()
    return payment


def console(commit, order_id, action):
    """The sandbox console (staff-only outside DEBUG) marks a store payment paid or expired."""
    from gateway_sandbox import services

    trade = SandboxTrade.objects.get(order_id=order_id)
    with commit():
        {"paid": services.mark_paid, "expired": services.mark_expired, "resend": services.resend_latest}[action](
            trade.pk
        )


def post_notification(client, **fields):
    body = urlencode({"ShopID": settings.GMO_SHOP_ID, "ShopPass": "**********", **fields})
    return client.post(NOTIFY_PATH, body, content_type="application/x-www-form-urlencoded")


# --- card ----------------------------------------------------------------------------------


def test_card_payment_pays_the_invoice_with_a_receipt_and_a_mail(member_client, member, invoice, commit):
    payment = pay_by_card(member_client, invoice, commit)
    invoice.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert invoice.status == Invoice.Status.PAID
    assert invoice.channel == Invoice.Channel.CARD
    assert invoice.paid_amount == 5000 and invoice.paid_on is not None
    assert re.fullmatch(r"\d{4}-000001", invoice.receipt_number)
    paid_mail = [message for message in mail.outbox if "お支払いを確認しました" in message.subject]
    assert len(paid_mail) == 1 and paid_mail[0].to == [member.user.email]
    assert "2025年度 会費" in paid_mail[0].body and "5,000円" in paid_mail[0].body
    assert reverse("member:receipt", args=[invoice.pk]) in paid_mail[0].body
    assert GatewayNotification.objects.get().outcome == GatewayNotification.Outcome.APPLIED
    page = member_client.get(reverse("member:dues")).content.decode()
    assert "クレジットカード" in page and "ダウンロード" in page


def test_declined_card_shows_the_error_and_the_member_chooses_again(member_client, invoice, commit):
    payment = pay_by_card(member_client, invoice, commit, card_number=DECLINED)
    invoice.refresh_from_db()
    # The decline comes in an unsigned notification: shown, but the attempt is not closed on its word.
    assert payment.status == Payment.Status.STARTED and payment.error_code == "G02"
    assert invoice.status == Invoice.Status.UNPAID
    page = member_client.get(reverse("member:payment", args=[payment.order_id])).content.decode()
    assert "決済できませんでした" in page and "取り消して支払方法を選び直す" in page

    # Cancelling asks the gateway first (still unpaid there), then frees the invoice.
    response = member_client.post(reverse("member:payment", args=[payment.order_id]), {"action": "cancel"})
    assert response.url == reverse("member:dues")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CANCELLED
    again = pay_by_card(member_client, invoice, commit)
    assert again.pk != payment.pk and again.status == Payment.Status.PAID


def test_after_a_decline_the_member_tries_again_directly_with_a_new_attempt(member_client, invoice, commit):
    """Issue 13, item 4: the declined attempt reads 失敗, and もう一度カードで支払う opens a new attempt
    at the gateway's checkout (the old order id would be refused there: E01)."""
    declined = pay_by_card(member_client, invoice, commit, card_number=DECLINED)
    dues = member_client.get(reverse("member:dues")).content.decode()
    assert "クレジットカード(一括払い): 失敗(カードが承認されませんでした)" in dues and ": 手続き中" not in dues
    page = member_client.get(reverse("member:payment", args=[declined.order_id])).content.decode()
    assert "もう一度カードで支払う" in page and "GMO お支払い手続きページ" not in page
    with commit():
        response = member_client.post(reverse("member:payment", args=[declined.order_id]), {"action": "retry"})
    retry = Payment.objects.get(invoice=invoice, status=Payment.Status.STARTED)
    assert retry.pk != declined.pk and retry.method == Payment.Method.CARD and not retry.error_code
    assert response.url == reverse("member:payment_checkout", args=[retry.order_id])
    assert member_client.get(response.url).url.startswith(settings.GMO_LINK_URL)  # to the new checkout
    declined.refresh_from_db()
    assert declined.status == Payment.Status.CANCELLED
    browser = Client()
    path = checkout_path(member_client, retry)
    with commit():
        browser.post(path, CARD)
    retry.refresh_from_db()
    invoice.refresh_from_db()
    assert retry.status == Payment.Status.PAID and invoice.status == Invoice.Status.PAID


def test_cancelling_an_attempt_the_gateway_reports_paid_pays_it_instead(member_client, invoice, commit):
    held = RecordingAdapter(lambda request: (503, "busy"))
    with mounted(delivery.http, settings.SANDBOX_NOTIFY_URL, held):  # the notification is lost
        payment = pay_by_card(member_client, invoice, commit)
    assert payment.status == Payment.Status.STARTED
    with commit():
        member_client.post(reverse("member:payment", args=[payment.order_id]), {"action": "cancel"})
    payment.refresh_from_db()
    invoice.refresh_from_db()
    assert payment.status == Payment.Status.PAID and invoice.status == Invoice.Status.PAID


def test_an_attempt_never_taken_to_the_gateway_can_be_cancelled(member_client, invoice):
    payment = decide(member_client, invoice, "card")
    member_client.post(reverse("member:payment", args=[payment.order_id]), {"action": "cancel"})
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CANCELLED


def test_lost_notifications_are_caught_up_by_reconciliation(member_client, invoice, commit):
    import datetime

    from django.core.management import call_command

    held = RecordingAdapter(lambda request: (503, "busy"))
    with mounted(delivery.http, settings.SANDBOX_NOTIFY_URL, held):
        payment = pay_by_card(member_client, invoice, commit)
    assert payment.status == Payment.Status.STARTED
    Payment.objects.filter(pk=payment.pk).update(updated_at=timezone.now() - datetime.timedelta(hours=2))
    with commit():
        call_command("reconcile_payments", "--older-than", "60", stdout=open("/dev/null", "w"))
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID and invoice.receipt_number


def test_a_late_payment_of_an_old_attempt_closes_the_one_at_the_checkout(member_client, invoice, commit):
    first = decide(member_client, invoice, "card")
    member_client.post(reverse("member:payment", args=[first.order_id]), {"action": "cancel"})
    second = decide(member_client, invoice, "card")
    # The member had paid the first attempt in an old browser tab after all.
    SandboxTrade.objects.create(
        order_id=first.order_id, shop_id=settings.GMO_SHOP_ID, amount=5000, tax=0, pay_type="0",
        status="CAPTURE", job_cd="CAPTURE", access_id="B2", ret_url="", cancel_url="",
    )  # fmt: skip
    with commit():
        post_notification(Client(), OrderID=first.order_id, Status="CAPTURE", Amount="5000", PayType="0")
    second.refresh_from_db()
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert second.status == Payment.Status.CANCELLED
    page = member_client.get(reverse("member:payment", args=[second.order_id])).content.decode()
    assert "GMO お支払い手続きページ" not in page


def test_a_refund_on_a_paid_attempt_is_flagged(member_client, invoice, commit, client):
    pay_by_card(member_client, invoice, commit)
    trade = SandboxTrade.objects.get()
    trade.status = "RETURN"
    trade.save()
    post_notification(client, OrderID=trade.order_id, Status="RETURN", Amount="5000", PayType="0")
    assert GatewayNotification.objects.latest("received_at").outcome == GatewayNotification.Outcome.FLAGGED
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID


def test_the_return_url_alone_pays_nothing(member_client, invoice, client):
    payment = decide(member_client, invoice, "card")
    response = client.post(
        reverse("member:payment_return", args=[payment.order_id]), {"OrderID": payment.order_id, "Status": "CAPTURE"}
    )
    assert response.status_code == 302
    payment.refresh_from_db()
    invoice.refresh_from_db()
    assert payment.status == Payment.Status.STARTED
    assert invoice.status == Invoice.Status.UNPAID


# --- convenience store ---------------------------------------------------------------------


def test_store_numbers_then_payment(member_client, member, invoice, commit):
    payment = request_store_numbers(member_client, invoice, commit)
    assert payment.status == Payment.Status.AWAITING
    assert payment.cvs_chain == "ファミリーマート"
    assert payment.cvs_receipt_no and payment.cvs_conf_no and payment.payment_term
    numbers_mail = next(message for message in mail.outbox if "お支払い番号" in message.subject)
    assert payment.cvs_receipt_no in numbers_mail.body and payment.cvs_conf_no in numbers_mail.body
    page = member_client.get(reverse("member:dues")).content.decode()
    assert payment.cvs_receipt_no in page and payment.cvs_conf_no in page and "お支払期限" in page

    console(commit, payment.order_id, "paid")
    payment.refresh_from_db()
    invoice.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert invoice.status == Invoice.Status.PAID and invoice.channel == Invoice.Channel.CVS


def test_expired_store_payment_then_a_fresh_attempt(member_client, invoice, commit):
    payment = request_store_numbers(member_client, invoice, commit)
    console(commit, payment.order_id, "expired")
    payment.refresh_from_db()
    invoice.refresh_from_db()
    assert payment.status == Payment.Status.EXPIRED
    assert invoice.status == Invoice.Status.UNPAID
    fresh = pay_by_card(member_client, invoice, commit)
    assert fresh.order_id != payment.order_id and fresh.status == Payment.Status.PAID


def test_the_same_notification_twice_pays_once(member_client, invoice, commit):
    payment = request_store_numbers(member_client, invoice, commit)
    console(commit, payment.order_id, "paid")
    console(commit, payment.order_id, "resend")
    invoice.refresh_from_db()
    outcomes = list(GatewayNotification.objects.order_by("received_at", "pk").values_list("outcome", flat=True))
    assert outcomes == ["applied", "applied", "no_change"]
    assert invoice.receipt_number.endswith("-000001")
    assert sum("お支払いを確認しました" in message.subject for message in mail.outbox) == 1


def test_paysuccess_before_reqsuccess(member_client, invoice, commit, client):
    payment = decide(member_client, invoice, "cvs")
    # Hold back the sandbox's deliveries, so they can be replayed in the wrong order.
    held = RecordingAdapter(lambda request: (503, "busy"))
    with mounted(delivery.http, settings.SANDBOX_NOTIFY_URL, held):
        browser = Client()
        path = checkout_path(member_client, payment)
        form = {"cvs_code": "10001", "name": "ヤマダ ハナコ", "phone": "0312345678"}
        browser.get(path)
        browser.post(path, {**form, "step": "confirm"})
        with commit():
            browser.post(path, {**form, "step": "complete"})
        console(commit, payment.order_id, "paid")
    requested, paid = [notice.body for notice in SandboxNotification.objects.order_by("pk")]
    assert "REQSUCCESS" in requested and "PAYSUCCESS" in paid
    for body in (paid, requested):
        with commit():
            assert client.post(NOTIFY_PATH, body, content_type="application/x-www-form-urlencoded").content == b"0"
    payment.refresh_from_db()
    invoice.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert invoice.status == Invoice.Status.PAID


# --- notifications that must not pay -------------------------------------------------------


def test_wrong_amount_is_flagged_and_not_applied(member_client, invoice, commit):
    payment = pay_by_card(member_client, invoice, commit, card_number=DECLINED)
    member_client.post(reverse("member:payment", args=[payment.order_id]), {"action": "cancel"})
    fresh = decide(member_client, invoice, "card")
    SandboxTrade.objects.create(
        order_id=fresh.order_id, shop_id=settings.GMO_SHOP_ID, amount=500, tax=0, pay_type="0",
        status="CAPTURE", job_cd="CAPTURE", access_id="X", ret_url="", cancel_url="",
    )  # fmt: skip
    response = post_notification(Client(), OrderID=fresh.order_id, Status="CAPTURE", Amount="500", PayType="0")
    assert response.content == b"0"
    record = GatewayNotification.objects.latest("received_at")
    assert record.outcome == GatewayNotification.Outcome.FLAGGED and "金額が一致しません" in record.detail
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.UNPAID


def test_wrong_shop_id_is_flagged(member_client, invoice):
    payment = decide(member_client, invoice, "card")
    body = urlencode({"ShopID": "someone-else", "OrderID": payment.order_id, "Status": "CAPTURE", "Amount": "5000"})
    response = Client().post(NOTIFY_PATH, body, content_type="application/x-www-form-urlencoded")
    assert response.content == b"0"
    assert GatewayNotification.objects.get().outcome == GatewayNotification.Outcome.FLAGGED
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.UNPAID


def test_unknown_order_id_is_flagged(client):
    assert post_notification(client, OrderID="D2025-9999999-ZZZZ", Status="CAPTURE", Amount="5000").content == b"0"
    record = GatewayNotification.objects.get()
    assert record.outcome == GatewayNotification.Outcome.FLAGGED and "不明なオーダーID" in record.detail
    assert not Invoice.objects.filter(status=Invoice.Status.PAID).exists()


def test_forged_capture_for_an_unpaid_order_pays_nothing(member_client, invoice, client):
    payment = decide(member_client, invoice, "card")
    browser = Client()
    browser.get(checkout_path(member_client, payment))  # the gateway knows the order, still unpaid
    response = post_notification(
        client, OrderID=payment.order_id, Status="CAPTURE", JobCd="CAPTURE", Amount="5000", PayType="0"
    )
    assert response.content == b"0"
    record = GatewayNotification.objects.get()
    assert record.outcome == GatewayNotification.Outcome.FLAGGED
    payment.refresh_from_db()
    invoice.refresh_from_db()
    assert payment.status == Payment.Status.STARTED
    assert invoice.status == Invoice.Status.UNPAID


def test_status_query_failure_is_not_acknowledged_and_applies_on_the_retry(member_client, invoice, commit):
    down = RecordingAdapter(lambda request: (500, "error"))
    with mounted(gateway.http, f"{settings.GMO_API_URL}/payment/", down):
        payment = pay_by_card(member_client, invoice, commit)
    assert payment.status == Payment.Status.STARTED
    assert len(down.requests) == 1
    record = GatewayNotification.objects.get()
    assert record.outcome == GatewayNotification.Outcome.RETRY
    pending = SandboxNotification.objects.get()
    assert pending.delivered_at is None and pending.next_attempt_at is not None  # the gateway will retry

    with commit():
        delivery.resend_undelivered(due_only=False)  # what the gateway's retry does later
    payment.refresh_from_db()
    invoice.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert invoice.status == Invoice.Status.PAID


def test_a_notification_never_unpays(member_client, invoice, commit, client):
    pay_by_card(member_client, invoice, commit)
    invoice.refresh_from_db()
    trade = SandboxTrade.objects.get()
    trade.status = "VOID"
    trade.save()
    response = post_notification(client, OrderID=trade.order_id, Status="VOID", Amount="5000", PayType="0")
    assert response.content == b"0"
    assert GatewayNotification.objects.latest("received_at").outcome == GatewayNotification.Outcome.FLAGGED
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID


def test_raw_notification_is_stored_before_anything_else(client):
    body = "ShopID=x&OrderID=%E2%80%A6&Status=CAPTURE"
    client.post(NOTIFY_PATH, body, content_type="application/x-www-form-urlencoded")
    assert GatewayNotification.objects.get().body == body


def test_billing_refuses_a_store_payment_over_the_limit(member):
    big = InvoiceFactory(member=member, amount=300_001, subject="renewal:1", category="renewal_fee")
    with pytest.raises(BillingError, match="30万円"):
        start_payment(member=member, invoice_id=big.pk, method="cvs")


# --- the paid mail as an outbox (production's database task backend) ------------------------


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_with_database_tasks_the_paid_mail_is_queued_in_the_paying_transaction(
    member_client, invoice, database_tasks, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    payment = decide(member_client, invoice, "card")
    trade = {"OrderID": payment.order_id, "Status": "CAPTURE", "JobCd": "CAPTURE", "Amount": "5000", "Tax": "0"}
    answer = RecordingAdapter(lambda request: (200, urlencode({**trade, "AccessID": "A1", "PayType": "0"})))
    with mounted(gateway.http, f"{settings.GMO_API_URL}/payment/", answer):
        with django_capture_on_commit_callbacks() as callbacks:
            assert post_notification(Client(), **trade, PayType="0").content == b"0"
    assert callbacks == []  # nothing waits for the commit: the task row is written with the payment
    queued = DBTaskResult.objects.get()
    assert queued.task_path == "membership.billing.tasks.send_paid_mail"
    assert queued.args_kwargs["kwargs"] == {"invoice_id": invoice.pk}
    assert mail.outbox == []  # the worker sends it


def test_with_database_tasks_a_rolled_back_payment_queues_no_mail(member, database_tasks):
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    invoice = InvoiceFactory(member=member, fiscal_year=2025)

    class Rollback(Exception):
        pass

    with pytest.raises(Rollback), transaction.atomic():
        record_manual_payment(invoice_id=invoice.pk, channel="counter", paid_on=timezone.localdate())
        assert DBTaskResult.objects.count() == 1
        raise Rollback
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.UNPAID and not DBTaskResult.objects.exists()


# --- one owner of the paid-invoice rule ---------------------------------------------------------


@pytest.fixture
def paid_rule_calls(monkeypatch):
    """Every call of the paid-invoice rule for one invoice (``invoices.mark_invoice_paid``), which still runs."""
    from membership.billing import invoices

    calls = []
    original = invoices.mark_invoice_paid

    def spy(invoice, **kwargs):
        calls.append({"invoice_id": invoice.pk, **kwargs})
        return original(invoice, **kwargs)

    monkeypatch.setattr(invoices, "mark_invoice_paid", spy)
    return calls


def test_a_gateway_notification_pays_through_the_paid_invoice_rule(
    member_client, member, invoice, commit, paid_rule_calls
):
    payment = pay_by_card(member_client, invoice, commit)  # the sandbox posts to the real notify endpoint

    [call] = paid_rule_calls
    assert (call["invoice_id"], call["amount"], call["channel"]) == (invoice.pk, 5000, Invoice.Channel.CARD)
    assert call.get("notify", True)
    invoice.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert invoice.status == Invoice.Status.PAID and invoice.paid_on == call["paid_on"]
    assert re.fullmatch(r"\d{4}-000001", invoice.receipt_number)
    assert GatewayNotification.objects.get().outcome == GatewayNotification.Outcome.APPLIED
    paid_mail = [message.to for message in mail.outbox if "お支払いを確認しました" in message.subject]
    assert paid_mail == [[member.user.email]]
