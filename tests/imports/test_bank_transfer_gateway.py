"""Bank-transfer import and the member's card attempt left at the gateway's checkout (issue 11, item 9).

The import pays invoices as staff do (the paid-invoice rule's bulk form): an attempt still at
the checkout is voided at the gateway first, and an invoice whose card the gateway has taken
already is left unpaid, reported with the reason. The gateway is the sandbox, in-process.
"""

import datetime

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from gateway_sandbox import delivery
from gateway_sandbox.models import SandboxTrade
from imports import services
from membership import gateway
from membership.models import Invoice, Payment
from tests.factories import InvoiceFactory
from tests.http_adapters import RecordingAdapter, mounted
from tests.imports.bank_data import member_with_dues, statement_csv, transfer
from tests.membership.test_payments import CARD, checkout_path, decide, pay_by_card

from .test_bank_transfer_import import KIND, counts, details

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def sandbox(gateway_loop):
    return gateway_loop


@pytest.fixture
def preview_statement(preview):
    return lambda rows: preview(statement_csv(rows), name="statement.csv", kind=KIND)


@pytest.fixture
def confirm(superuser):
    return lambda job: services.start_apply(job=job, user=superuser, options=None)


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


def statement_row(invoice):
    return transfer(invoice.member.member_number, "2025/08/01", str(invoice.amount), year="2025")


def captured_orders(invoice):
    orders = invoice.payments.values_list("order_id", flat=True)
    return list(SandboxTrade.objects.filter(order_id__in=orders, status="CAPTURE").values_list("order_id", flat=True))


def test_an_open_card_checkout_is_voided_at_the_gateway_and_the_invoice_paid(
    member_client, invoice, preview_statement, confirm, commit
):
    attempt = decide(member_client, invoice, "card")
    tab = Client()  # the member's tab at the gateway's card form
    path = checkout_path(member_client, attempt)
    assert tab.get(path).status_code == 200

    job = preview_statement([statement_row(invoice)])
    assert counts(job) == {"matched": 1}
    with commit():
        job = confirm(job)

    assert counts(job) == {"matched": 1}
    invoice.refresh_from_db()
    attempt.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID and invoice.channel == Invoice.Channel.YUCHO
    assert attempt.status == Payment.Status.CANCELLED
    assert SandboxTrade.objects.get(order_id=attempt.order_id).status == "VOID"
    with commit():
        assert tab.post(path, CARD).status_code == 400  # the old tab can no longer pay
    assert captured_orders(invoice) == []  # the card was not charged on top


def test_a_card_captured_at_the_gateway_is_refused_with_the_reason_and_not_paid_twice(
    member_client, invoice, preview_statement, confirm, commit, gateway_loop
):
    lost = RecordingAdapter(lambda request: (503, "busy"))
    with mounted(delivery.http, settings.SANDBOX_NOTIFY_URL, lost):  # its notification is still on the way
        attempt = pay_by_card(member_client, invoice, commit)
    assert attempt.status == Payment.Status.STARTED

    job = confirm(preview_statement([statement_row(invoice)]))

    assert counts(job) == {"at_gateway": 1}
    ((row, reason),) = details(job, "at_gateway")
    assert row == 2
    assert "決済会社でお支払いが完了しています" in reason and attempt.order_id in reason
    invoice.refresh_from_db()
    attempt.refresh_from_db()
    assert (invoice.status, invoice.receipt_number, invoice.channel) == (Invoice.Status.UNPAID, None, "")
    assert attempt.status == Payment.Status.STARTED
    assert SandboxTrade.objects.get(order_id=attempt.order_id).status == "CAPTURE"  # not voided

    # The card payment then arrives (the gateway's notification): paid once, by card.
    Payment.objects.filter(pk=attempt.pk).update(updated_at=timezone.now() - datetime.timedelta(hours=2))
    with commit():
        call_command("reconcile_payments", "--older-than", "60", stdout=open("/dev/null", "w"))
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID and invoice.channel == Invoice.Channel.CARD
    assert invoice.receipt_number


def test_an_unreachable_gateway_leaves_the_invoice_unpaid_and_pays_the_others(
    member_client, invoice, preview_statement, confirm
):
    attempt = decide(member_client, invoice, "card")
    assert Client().get(checkout_path(member_client, attempt)).status_code == 200
    _member, others = member_with_dues("0000990", 2025)
    job = preview_statement([statement_row(invoice), transfer("0000990", "2025/08/01", "5000", year="2025")])

    down = RecordingAdapter(lambda request: (502, "bad gateway"))
    with mounted(gateway.http, settings.GMO_API_URL, down):
        job = confirm(job)

    assert counts(job) == {"matched": 1, "at_gateway": 1}
    assert "決済会社に状態を確認できませんでした" in details(job, "at_gateway")[0][1]
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.UNPAID
    assert Invoice.objects.get(pk=others[2025].pk).status == Invoice.Status.PAID
    attempt.refresh_from_db()
    assert attempt.status == Payment.Status.STARTED
