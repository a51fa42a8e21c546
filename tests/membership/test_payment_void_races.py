"""Closing an attempt here while the member pays it at the gateway (issue 11, items 8 and 9).

PostgreSQL only: two threads, each in its own transaction, meet at a barrier; one pays the
order at the sandbox gateway (the member's checkout tab), the other closes it on our side.
Whatever the order, the member is charged at most once: an order the gateway reports
captured is never closed here, and one closed here is voided at the gateway (a charge made
between our query and the void is cancelled by it the same day) and can no longer be paid.
"""

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone

from gateway_sandbox import delivery, protocol, services
from gateway_sandbox.models import SandboxTrade
from membership import gateway
from membership.billing import payments
from membership.billing.errors import BillingError
from membership.billing.invoices import close_invoice
from membership.models import Invoice, Payment
from tests.factories import InvoiceFactory, MemberFactory
from tests.http_adapters import DjangoAppAdapter, RecordingAdapter, mounted
from tests.membership.test_payment_concurrency import run_together

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are only real on PostgreSQL"),
]

ROUNDS = 5


@pytest.fixture(autouse=True)
def gateway_in_process():
    lost = RecordingAdapter(lambda request: (503, "busy"))  # notifications do not arrive during the race
    with (
        mounted(gateway.http, settings.SITE_URL, DjangoAppAdapter(settings.SITE_URL)),
        mounted(delivery.http, settings.SANDBOX_NOTIFY_URL, lost),
    ):
        yield


def open_attempt():
    """A member's card attempt, with the gateway's checkout page open in a browser tab."""
    member = MemberFactory(profile_saved_at=timezone.now())
    invoice = InvoiceFactory(member=member, fiscal_year=2025)
    attempt = payments.start_payment(member=member, invoice_id=invoice.pk, method="card")
    url = payments.checkout_url(attempt, member=member)
    assert Client().get(url.removeprefix(settings.SITE_URL)).status_code == 200
    return member, invoice, attempt, SandboxTrade.objects.get(order_id=attempt.order_id)


def pay_at_gateway(trade):
    def call():
        try:
            return services.pay_by_card(trade.pk, protocol.CARD_OK).status
        except services.SandboxError:
            return "refused"

    return call


def refused(call):
    def wrapped():
        try:
            call()
        except BillingError as error:
            return str(error)
        return None

    return wrapped


def test_the_member_cancelling_while_paying_in_the_old_tab_is_never_charged_for_a_closed_attempt():
    for _ in range(ROUNDS):
        member, invoice, attempt, trade = open_attempt()

        run_together(
            pay_at_gateway(trade),
            refused(lambda m=member, o=attempt.order_id: payments.cancel_payment(member=m, order_id=o)),
        )

        trade.refresh_from_db()
        attempt.refresh_from_db()
        assert (trade.status, attempt.status) in {("VOID", Payment.Status.CANCELLED), ("CAPTURE", Payment.Status.PAID)}


@pytest.mark.parametrize("staff_action", ["counter", "exempt"])
def test_staff_closing_an_invoice_while_the_member_pays_by_card_takes_the_money_once(staff_action):
    outcomes = set()
    for _ in range(ROUNDS):
        _member, invoice, attempt, trade = open_attempt()
        if staff_action == "counter":
            staff = refused(lambda pk=invoice.pk: payments.record_manual_payment(
                invoice_id=pk, channel="counter", paid_on=timezone.localdate(), notify=False))  # fmt: skip
        else:
            staff = refused(lambda pk=invoice.pk: close_invoice(invoice_id=pk, status="exempt", reason="講師"))

        paid, refusal = run_together(pay_at_gateway(trade), staff)

        trade.refresh_from_db()
        invoice.refresh_from_db()
        attempt.refresh_from_db()
        if trade.status == "CAPTURE":
            # The card was charged: staff were told why, and the invoice waits for its notification.
            assert paid == "CAPTURE" and "決済会社でお支払いが完了しています" in refusal
            assert invoice.status == Invoice.Status.UNPAID and attempt.is_open
            outcomes.add("card")
        else:
            # Voided before the card was charged (refused), or charged a moment before the void,
            # which cancels the charge the same day: either way the card pays nothing.
            assert paid in {"refused", "CAPTURE"} and refusal is None and trade.status == "VOID"
            assert invoice.status != Invoice.Status.UNPAID and attempt.status == Payment.Status.CANCELLED
            outcomes.add("staff")
    assert outcomes  # (which side wins each round is up to the scheduler)
