"""Attempts are voided at the gateway before they close here (issue 11, items 8 and 9).

The member's old checkout tab is a second browser on the sandbox's checkout page; the
gateway is the sandbox, reached in-process, as in test_payments.
"""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from gateway_sandbox import delivery
from gateway_sandbox.models import SandboxTrade
from membership import gateway
from membership.billing.errors import BillingError
from membership.billing.invoices import close_invoice
from membership.billing.payments import record_manual_payment
from membership.models import GatewayNotification, Invoice, Payment
from tests.factories import InvoiceFactory
from tests.http_adapters import RecordingAdapter, mounted

from .test_payments import CARD, checkout_path, decide, pay_by_card

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("gateway_loop")]


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


@pytest.fixture
def invoice(member):
    member.profile_saved_at = timezone.now()
    member.save()
    return InvoiceFactory(member=member, fiscal_year=2025)


def open_checkout(member_client, payment):
    """A browser tab at the gateway's card form for ``payment``: returns (browser, path)."""
    browser = Client()
    path = checkout_path(member_client, payment)
    assert browser.get(path).status_code == 200
    return browser, path


def captured_orders(invoice):
    orders = invoice.payments.values_list("order_id", flat=True)
    return list(SandboxTrade.objects.filter(order_id__in=orders, status="CAPTURE").values_list("order_id", flat=True))


# --- item 8: the member's own cancel ------------------------------------------------------


def test_an_old_tab_of_our_payment_page_cannot_open_a_cancelled_attempt_at_the_gateway(member_client, invoice, commit):
    """An attempt cancelled before it ever reached the gateway has nothing to void there: the
    page's GMO button goes through our check, so an old tab of the page cannot open it."""
    first = decide(member_client, invoice, "card")
    page = member_client.get(reverse("member:payment", args=[first.order_id])).content.decode()
    button = reverse("member:payment_checkout", args=[first.order_id])
    assert f'href="{button}"' in page and settings.GMO_LINK_URL not in page
    with commit():
        member_client.post(reverse("member:payment", args=[first.order_id]), {"action": "cancel"})
    response = member_client.get(button)  # the old tab's button
    assert response.url == reverse("member:payment", args=[first.order_id])
    assert not SandboxTrade.objects.filter(order_id=first.order_id).exists()
    second = decide(member_client, invoice, "card")
    assert member_client.get(reverse("member:payment_checkout", args=[second.order_id])).url.startswith(
        settings.GMO_LINK_URL
    )


def test_another_members_checkout_link_is_not_found(member_client, invoice):
    other = InvoiceFactory(fiscal_year=2025)
    attempt = Payment.objects.create(invoice=other, method="card", order_id="D2025-OTHER-1", amount=other.amount)
    assert member_client.get(reverse("member:payment_checkout", args=[attempt.order_id])).status_code == 404


def test_an_old_checkout_tab_cannot_pay_a_cancelled_attempt_after_another_was_paid(member_client, invoice, commit):
    first = decide(member_client, invoice, "card")
    old_tab, old_path = open_checkout(member_client, first)
    with commit():
        member_client.post(reverse("member:payment", args=[first.order_id]), {"action": "cancel"})
    first.refresh_from_db()
    assert first.status == Payment.Status.CANCELLED
    assert SandboxTrade.objects.get(order_id=first.order_id).status == "VOID"

    second = pay_by_card(member_client, invoice, commit)
    assert second.status == Payment.Status.PAID
    with commit():
        page = old_tab.post(old_path, CARD)  # the old tab still shows the card form

    assert page.status_code == 400
    assert captured_orders(invoice) == [second.order_id]  # charged once
    assert not GatewayNotification.objects.filter(outcome=GatewayNotification.Outcome.FLAGGED).exists()


def test_cancelling_refuses_while_the_gateway_cannot_void(member_client, invoice, commit, gateway_loop):
    first = decide(member_client, invoice, "card")
    open_checkout(member_client, first)
    refusing = RecordingAdapter(lambda request: (200, "ErrCode=E01&ErrInfo=E01050004"))
    with mounted(gateway.http, f"{settings.GMO_API_URL}/payment/AlterTran.idPass", refusing):
        response = member_client.post(
            reverse("member:payment", args=[first.order_id]), {"action": "cancel"}, follow=True
        )
    first.refresh_from_db()
    assert first.status == Payment.Status.STARTED  # still open here, as it is at the gateway
    assert "取り消せませんでした" in response.content.decode()


# --- item 9: staff closing or paying an invoice by other means ------------------------------


def test_a_counter_payment_voids_the_member_s_open_checkout(member_client, invoice, commit, staff_user):
    attempt = decide(member_client, invoice, "card")
    tab, path = open_checkout(member_client, attempt)

    with commit():
        record_manual_payment(invoice_id=invoice.pk, channel="counter", paid_on=timezone.localdate(), user=staff_user)
    with commit():
        tab.post(path, CARD)

    invoice.refresh_from_db()
    attempt.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID and invoice.channel == Invoice.Channel.COUNTER
    assert attempt.status == Payment.Status.CANCELLED
    assert captured_orders(invoice) == []  # the card was not charged on top


@pytest.mark.parametrize("action", ["counter", "exempt", "cancel"])
def test_staff_are_refused_while_the_gateway_has_taken_the_card_payment(member_client, invoice, commit, action):
    lost = RecordingAdapter(lambda request: (503, "busy"))
    with mounted(delivery.http, settings.SANDBOX_NOTIFY_URL, lost):  # its notification is still on the way
        attempt = pay_by_card(member_client, invoice, commit)
    assert attempt.status == Payment.Status.STARTED

    with pytest.raises(BillingError, match="決済会社でお支払いが完了しています") as refused:
        if action == "counter":
            record_manual_payment(invoice_id=invoice.pk, channel="counter", paid_on=timezone.localdate())
        else:
            status = Invoice.Status.EXEMPT if action == "exempt" else Invoice.Status.CANCELLED
            close_invoice(invoice_id=invoice.pk, status=status, reason="窓口で相談")
    assert attempt.order_id in str(refused.value)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.UNPAID
    assert SandboxTrade.objects.get(order_id=attempt.order_id).status == "CAPTURE"  # not voided


def test_staff_are_refused_when_the_gateway_cannot_be_asked(member_client, invoice, commit):
    attempt = decide(member_client, invoice, "card")
    open_checkout(member_client, attempt)
    down = RecordingAdapter(lambda request: (502, "bad gateway"))
    with mounted(gateway.http, settings.GMO_API_URL, down), pytest.raises(BillingError, match="決済会社に状態を確認"):
        close_invoice(invoice_id=invoice.pk, status=Invoice.Status.EXEMPT, reason="講師")
    attempt.refresh_from_db()
    assert attempt.status == Payment.Status.STARTED
