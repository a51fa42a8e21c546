"""Voiding an order at the gateway: AlterTran JobCd=VOID (card) and CvsCancel (store)."""

import pytest
from django.conf import settings

from gateway_sandbox import delivery, services
from gateway_sandbox.models import SandboxNotification, SandboxTrade

from .helpers import CARD_FORM, checkout_path, parse_answer, path_of, pay_at_store, pay_by_card

pytestmark = pytest.mark.django_db


def call(client, name, trade, **fields):
    form = {"ShopID": "tshop00000001", "ShopPass": "sandbox-pass", "AccessID": trade.access_id,
            "AccessPass": trade.access_pass, **fields}  # fmt: skip
    response = client.post(path_of(f"{settings.GMO_API_URL}/payment/{name}"), form)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    return parse_answer(response.content.decode("utf-8"))


def test_a_voided_card_order_can_no_longer_be_paid_from_an_open_checkout(client, commit, notify):
    path = checkout_path(method="credit")
    assert client.get(path).status_code == 200  # the member's tab shows the card form
    trade = SandboxTrade.objects.get()

    with commit():
        answer = call(client, "AlterTran.idPass", trade, JobCd="VOID")

    assert answer["AccessID"] == trade.access_id and "ErrCode" not in answer
    with commit():
        page = client.post(path, CARD_FORM)  # the old tab submits the card
    trade.refresh_from_db()
    assert trade.status == "VOID" and not trade.card_number_masked
    assert page.status_code == 400 and services.ORDER_VOID in page.content.decode()
    assert client.get(path).status_code == 400
    assert [form["Status"] for form in notify.forms()] == ["VOID"]


def test_a_void_needs_the_trade_s_access_pass_and_an_open_or_captured_trade(client, commit, notify):
    pay_at_store(client, commit)
    store = SandboxTrade.objects.get()
    assert call(client, "AlterTran.idPass", store, JobCd="VOID") == {"ErrCode": "E01", "ErrInfo": "E01110002"}
    assert call(client, "CvsCancel.idPass", store, OrderID=store.order_id, AccessPass="x") == {
        "ErrCode": "E01",
        "ErrInfo": "E01110002",
    }
    services.mark_paid(store.pk)
    assert call(client, "CvsCancel.idPass", store, OrderID=store.order_id) == {"ErrCode": "E01", "ErrInfo": "E01050004"}


def test_store_numbers_stop_working_once_cancelled(client, commit, notify):
    pay_at_store(client, commit)
    trade = SandboxTrade.objects.get()

    assert call(client, "CvsCancel.idPass", trade, OrderID=trade.order_id) == {
        "OrderID": trade.order_id,
        "Status": "CANCEL",
    }
    with pytest.raises(services.SandboxError):
        services.mark_paid(trade.pk)


def test_a_captured_card_trade_is_voided_the_same_day(client, commit, notify):
    pay_by_card(client, commit)
    trade = SandboxTrade.objects.get()

    assert "ErrCode" not in call(client, "AlterTran.idPass", trade, JobCd="VOID")
    trade.refresh_from_db()
    assert trade.status == "VOID" and trade.job_cd == "VOID"


def test_as_a_separate_site_the_void_s_notification_is_sent_after_the_answer(
    client, commit, notify, settings, monkeypatch
):
    """`make run`: the shop asks for the void holding its attempt's lock, which handling the
    notification needs; sent within the call, the notification would wait for that very call."""
    settings.SANDBOX_NOTIFY_AFTER_ANSWER = True
    later = []
    monkeypatch.setattr(delivery, "_in_background", lambda send, *, name: later.append(send))
    path = checkout_path(method="credit")
    assert client.get(path).status_code == 200
    trade = SandboxTrade.objects.get()

    with commit():
        answer = call(client, "AlterTran.idPass", trade, JobCd="VOID")

    assert "ErrCode" not in answer
    assert notify.forms() == []  # answered; nothing sent yet
    [send] = later
    send()
    assert [form["Status"] for form in notify.forms()] == ["VOID"]
    assert SandboxNotification.objects.get().delivered_at is not None


def test_checkout_notifications_are_sent_at_once_also_as_a_separate_site(client, commit, notify, settings):
    """The member's browser waits for the checkout's outcome; nobody holds a lock of the shop's."""
    settings.SANDBOX_NOTIFY_AFTER_ANSWER = True
    pay_by_card(client, commit)
    assert [form["Status"] for form in notify.forms()] == ["CAPTURE"]
