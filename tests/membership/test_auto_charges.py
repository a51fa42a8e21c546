"""自動継続: a dues run charges the cards on file once each, through the sandbox over HTTP.

The secretariat bills a fiscal year's dues (``bill_dues``); members with automatic payment are
mailed beforehand and charged on the day (EntryTran + ExecTran with their card, confirmed with
the trade-status query). A declined card leaves its invoice unpaid and mails the member; a
repeated run or a replayed notification never charges or pays twice.
"""

import datetime

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from gateway_sandbox import services as sandbox
from gateway_sandbox.models import SandboxTrade
from membership.billing.auto_charges import charge_invoice, order_id_for, run_auto_charges
from membership.billing.dues import bill_dues
from membership.models import AutoCharge, AutoChargeRun, DuesRule, GatewayNotification, Invoice, Payment
from tests.factories import MemberFactory
from tests.membership.autopay_helpers import CARD_DECLINED, CARD_EXPIRED, CARD_OK, register_card

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("gateway_loop")]

YEAR = 2026
NOTICE = "会費のカード自動払いのお知らせ"
DECLINED = "会費のカード自動払いができませんでした"
PAID = "お支払いを確認しました"


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


@pytest.fixture
def dues_rule(db):
    return DuesRule.objects.create(fiscal_year=YEAR, member_status="active", amount=5000)


def member_with_card(_client, number):
    """A member who registered a card for automatic payment (in a browser of their own)."""
    member = MemberFactory()
    browser = Client()
    browser.force_login(member.user)
    register_card(browser, number=number)
    return member


def subjects(prefix):
    return [message for message in mail.outbox if prefix in message.subject]


def test_a_dues_run_charges_each_card_once_and_a_declined_card_leaves_the_invoice_unpaid(
    client, commit, dues_rule, admin_user, settings
):
    settings.AUTOPAY_NOTICE_DAYS = 0  # charged on the day of billing
    paying = [member_with_card(client, CARD_OK), member_with_card(client, CARD_OK)]
    declined = member_with_card(client, CARD_DECLINED)
    by_hand = MemberFactory()  # no card: billed, not charged

    with commit():
        bill_dues(fiscal_year=YEAR, user=admin_user)

    invoices = {invoice.member_id: invoice for invoice in Invoice.objects.filter(fiscal_year=YEAR)}
    for member in paying:
        invoice = invoices[member.pk]
        assert (invoice.status, invoice.channel, invoice.paid_amount) == ("paid", "card", 5000)
        assert invoice.receipt_number
    assert invoices[declined.pk].status == "unpaid"
    assert invoices[by_hand.pk].status == "unpaid" and not invoices[by_hand.pk].payments.exists()
    charge = AutoCharge.objects.get(invoice=invoices[declined.pk])
    assert (charge.state, charge.error_code) == ("declined", "G02")
    # The declined attempt is closed (voided at the gateway): the member can pay the usual way.
    assert charge.payment.status == Payment.Status.FAILED
    assert SandboxTrade.objects.get(order_id=charge.payment.order_id).status == "VOID"
    run = AutoChargeRun.objects.get(fiscal_year=YEAR)
    assert (run.state, run.total, run.done, run.charged, run.declined) == ("done", 3, 3, 2, 1)
    assert len(subjects(NOTICE)) == 3
    (declined_mail,) = subjects(DECLINED)
    assert declined_mail.to == [declined.user.email]
    assert "カード会社の残高" not in declined_mail.body and "G02" in declined_mail.body
    assert len(subjects(PAID)) == 2

    # The run again, each charge again, a notification replayed: nothing is charged or paid twice.
    receipts = sorted(Invoice.objects.filter(fiscal_year=YEAR).exclude(receipt_number=None).values_list(
        "receipt_number", flat=True))  # fmt: skip
    mail.outbox.clear()
    with commit():
        run_auto_charges(run_id=run.pk)
        for each in AutoCharge.objects.all():
            charge_invoice(charge_id=each.pk)
        bill_dues(fiscal_year=YEAR, user=admin_user)
    with commit():
        paid_trade = SandboxTrade.objects.get(order_id=order_id_for(invoices[paying[0].pk]))
        sandbox.resend_latest(paid_trade.pk)
    assert GatewayNotification.objects.filter(order_id=paid_trade.order_id).latest("pk").outcome == "no_change"
    assert SandboxTrade.objects.filter(order_id__startswith="A", status="CAPTURE").count() == 2
    assert SandboxTrade.objects.filter(order_id__startswith="A").count() == 3
    assert Payment.objects.filter(invoice__fiscal_year=YEAR).count() == 3
    assert sorted(Invoice.objects.filter(fiscal_year=YEAR).exclude(receipt_number=None).values_list(
        "receipt_number", flat=True)) == receipts  # fmt: skip
    assert mail.outbox == []

    # The declined member pays the usual way afterwards (the closed attempt does not stand in the way).
    client.force_login(declined.user)
    page = client.get(reverse("member:dues")).content.decode()
    assert "自動払いできませんでした" in page and "会員情報確認 支払手続き" in page


def test_an_expired_card_is_declined_with_its_reason(client, commit, dues_rule, admin_user, settings):
    settings.AUTOPAY_NOTICE_DAYS = 0
    member = member_with_card(client, CARD_EXPIRED)
    with commit():
        bill_dues(fiscal_year=YEAR, user=admin_user)
    charge = AutoCharge.objects.get(invoice__member=member)
    assert (charge.state, charge.error_code, charge.invoice.status) == ("declined", "G83", "unpaid")
    (declined_mail,) = subjects(DECLINED)
    assert "有効期限" in declined_mail.body


def test_members_are_mailed_before_the_charge_and_can_stop_it(client, commit, dues_rule, admin_user, settings):
    settings.AUTOPAY_NOTICE_DAYS = 7
    charged = member_with_card(client, CARD_OK)
    stopping = member_with_card(client, CARD_OK)
    today = timezone.localdate()

    with commit():
        bill_dues(fiscal_year=YEAR, user=admin_user)

    notices = {message.to[0]: message for message in subjects(NOTICE)}
    assert set(notices) == {charged.user.email, stopping.user.email}
    body = notices[charged.user.email].body
    charge_on = today + datetime.timedelta(days=7)
    assert f"{YEAR}年度 会費" in body and "5,000円" in body
    assert f"{charge_on.year}年{charge_on.month}月{charge_on.day}日" in body
    assert "************1111" in body and "自動払いを停止する" in body
    assert not SandboxTrade.objects.filter(order_id__startswith="A").exists()  # nothing charged yet

    client.force_login(stopping.user)
    assert "を " in client.get(reverse("member:dues")).content.decode()  # the coming charge is shown
    client.post(reverse("member:autopay_stop"))

    with time_machine.travel(timezone.now() + datetime.timedelta(days=7)), commit():
        call_command("run_auto_charges", stdout=open("/dev/null", "w"))
    assert Invoice.objects.get(member=charged, fiscal_year=YEAR).status == "paid"
    assert Invoice.objects.get(member=stopping, fiscal_year=YEAR).status == "unpaid"
    assert AutoCharge.objects.get(invoice__member=stopping).state == "skipped"
    assert SandboxTrade.objects.filter(order_id__startswith="A").count() == 1


def test_staff_see_the_run_and_the_declined_members(client, commit, dues_rule, admin_user, admin_client, settings):
    settings.AUTOPAY_NOTICE_DAYS = 0
    member_with_card(client, CARD_OK)
    declined = member_with_card(client, CARD_DECLINED)
    with commit():
        bill_dues(fiscal_year=YEAR, user=admin_user)

    page = admin_client.get(reverse("auto_charges_admin:run", args=[YEAR])).content.decode()
    assert "完了" in page and declined.member_number in page and "残高が不足" in page
    listing = admin_client.get(reverse("auto_charges_admin:index")).content.decode()
    assert f"{YEAR}年度" in listing
