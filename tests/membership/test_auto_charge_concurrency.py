"""自動継続 on PostgreSQL: two runs charging the same invoice at once charge the card once."""

import pytest
from django.conf import settings
from django.db import connection

from gateway_sandbox import delivery
from gateway_sandbox.models import SandboxCard, SandboxMember, SandboxTrade
from membership import gateway
from membership.billing.auto_charges import charge_invoice, schedule_auto_charges
from membership.billing.autopay import gateway_member_id
from membership.models import AutoCharge, AutoPay, Invoice, ReceiptCounter
from tests.factories import InvoiceFactory, MemberFactory
from tests.http_adapters import DjangoAppAdapter, mounted
from tests.membership.test_payment_concurrency import run_together

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are only real on PostgreSQL"),
]


@pytest.fixture(autouse=True)
def gateway_in_process():
    adapter = DjangoAppAdapter(settings.SITE_URL)
    with mounted(gateway.http, settings.SITE_URL, adapter), mounted(delivery.http, settings.SITE_URL, adapter):
        yield


def test_a_doubled_run_charges_the_card_once(settings):
    settings.AUTOPAY_NOTICE_DAYS = 30  # scheduled only: the two "runs" below charge
    member = MemberFactory()
    AutoPay.objects.create(member=member, gateway_member_id=gateway_member_id(member), state="active", card_seq="0")
    card_holder = SandboxMember.objects.create(site_id=settings.GMO_SITE_ID, member_id=gateway_member_id(member))
    SandboxCard.objects.create(member=card_holder, card_seq=0, card_number="4111111111111111", expire="3912")
    invoice = InvoiceFactory(member=member, fiscal_year=2026)
    schedule_auto_charges(fiscal_year=2026)
    charge = AutoCharge.objects.get(invoice=invoice)

    run_together(lambda: charge_invoice(charge_id=charge.pk), lambda: charge_invoice(charge_id=charge.pk))

    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID and invoice.channel == "card"
    assert SandboxTrade.objects.filter(order_id__startswith="A2026-").count() == 1
    assert SandboxTrade.objects.get(order_id__startswith="A2026-").status == "CAPTURE"
    assert ReceiptCounter.objects.get().last_number == 1
    # The charge ends 引き落とし済 (the second caller resumed it, or found it made).
    charge_invoice(charge_id=charge.pk)
    assert AutoCharge.objects.get(pk=charge.pk).state == "paid"
