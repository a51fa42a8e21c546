"""The sandbox console (staff, or anyone with DEBUG on) and the sandbox_trade command."""

import pytest
from django.core.management import CommandError, call_command

from gateway_sandbox.models import SandboxNotification, SandboxTrade

from .helpers import ORDER_ID, pay_at_store, pay_by_card

pytestmark = pytest.mark.django_db

CONSOLE = "/sandbox-gateway/console/"


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_user(username="jimukyoku", password="x", is_staff=True, kind="staff")
    client.force_login(user)
    return client


def test_anonymous_visitors_are_sent_to_the_login(client, settings):
    settings.DEBUG = False

    response = client.get(CONSOLE)

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_non_staff_accounts_are_refused(client, django_user_model, settings):
    settings.DEBUG = False
    client.force_login(django_user_model.objects.create_user(username="0012345", password="x"))

    assert client.get(CONSOLE).status_code == 403
    assert client.post(CONSOLE, {"action": "resend_undelivered"}).status_code == 403


def test_with_debug_on_anyone_may_use_the_console(client, settings):
    settings.DEBUG = True

    assert client.get(CONSOLE).status_code == 200


def test_console_lists_trades_with_their_notifications(staff_client, commit, notify):
    pay_at_store(staff_client, commit)

    content = staff_client.get(CONSOLE).content.decode()

    assert ORDER_ID in content
    assert "REQSUCCESS" in content
    assert "入金済にする" in content and "期限切れにする" in content
    assert "通知を再送" in content and "未達の通知を再送" in content
    assert "受領" in content


def test_paid_button_marks_the_store_payment_paid_and_notifies(staff_client, commit, notify):
    pay_at_store(staff_client, commit)
    trade = SandboxTrade.objects.get()

    with commit():
        response = staff_client.post(CONSOLE, {"action": "paid", "trade": trade.pk}, follow=True)

    trade.refresh_from_db()
    assert trade.status == "PAYSUCCESS"
    assert "入金済にしました" in response.content.decode()
    assert [form["Status"] for form in notify.forms()] == ["REQSUCCESS", "PAYSUCCESS"]
    paid = notify.forms()[1]
    assert paid["CvsReceiptNo"] == trade.cvs_receipt_no
    assert paid["TranDate"]


def test_expired_button_expires_the_store_payment(staff_client, commit, notify):
    pay_at_store(staff_client, commit)
    trade = SandboxTrade.objects.get()

    with commit():
        staff_client.post(CONSOLE, {"action": "expired", "trade": trade.pk})

    trade.refresh_from_db()
    assert trade.status == "EXPIRED"
    assert notify.forms()[-1]["Status"] == "EXPIRED"
    # No way back to paid.
    with commit():
        response = staff_client.post(CONSOLE, {"action": "paid", "trade": trade.pk}, follow=True)
    assert "ではありません" in response.content.decode()
    trade.refresh_from_db()
    assert trade.status == "EXPIRED"


def test_card_trades_cannot_be_marked_paid(staff_client, commit, notify):
    pay_by_card(staff_client, commit)
    trade = SandboxTrade.objects.get()

    with commit():
        staff_client.post(CONSOLE, {"action": "paid", "trade": trade.pk})

    trade.refresh_from_db()
    assert trade.status == "CAPTURE"
    assert len(notify.requests) == 1


def test_resend_sends_the_latest_notification_again_even_when_acknowledged(staff_client, commit, notify):
    pay_by_card(staff_client, commit)

    with commit():
        staff_client.post(CONSOLE, {"action": "resend", "trade": SandboxTrade.objects.get().pk})

    assert len(notify.requests) == 2
    assert notify.requests[0].body == notify.requests[1].body
    assert SandboxNotification.objects.filter(delivered_at__isnull=False).count() == 2


def test_sandbox_trade_command(client, commit, notify):
    pay_at_store(client, commit)

    with commit():
        call_command("sandbox_trade", ORDER_ID, "paid")

    assert SandboxTrade.objects.get().status == "PAYSUCCESS"
    assert notify.forms()[-1]["Status"] == "PAYSUCCESS"
    with pytest.raises(CommandError):
        call_command("sandbox_trade", ORDER_ID, "expired")
    with pytest.raises(CommandError):
        call_command("sandbox_trade", "NO-SUCH-ORDER", "paid")
