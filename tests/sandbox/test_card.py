"""Card checkout: the test numbers succeed or are declined, and the shop is notified."""

import pytest
from django.utils import timezone

from gateway_sandbox.models import SandboxNotification, SandboxTrade

from .helpers import CANCEL_URL, CARD_FORM, ORDER_ID, RET_URL, checkout_path, pay_by_card

pytestmark = pytest.mark.django_db


def test_successful_card_payment_captures_and_notifies_the_shop(client, commit, notify, settings):
    before = timezone.now()

    response = pay_by_card(client, commit)

    trade = SandboxTrade.objects.get(order_id=ORDER_ID)
    assert trade.status == "CAPTURE"
    assert trade.job_cd == "CAPTURE"
    assert trade.tran_date >= before
    assert trade.card_number_masked == "************1111"

    assert len(notify.requests) == 1
    request = notify.requests[0]
    assert request.method == "POST"
    assert request.url == settings.SANDBOX_NOTIFY_URL
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    fields = notify.forms()[0]
    assert fields == {
        "ShopID": "tshop00000001",
        "ShopPass": "**********",
        "AccessID": trade.access_id,
        "AccessPass": "**********",
        "OrderID": ORDER_ID,
        "Status": "CAPTURE",
        "JobCd": "CAPTURE",
        "Amount": "5000",
        "Tax": "0",
        "PayType": "0",
        "TranDate": timezone.localtime(trade.tran_date).strftime("%Y%m%d%H%M%S"),
        "ErrCode": "",
        "ErrInfo": "",
    }
    notification = SandboxNotification.objects.get()
    assert notification.delivered_at is not None
    assert notification.attempts == 1
    assert notification.next_attempt_at is None
    assert notification.last_response == "HTTP 200: 0"

    content = response.content.decode()
    assert response.status_code == 200
    assert "お支払いが完了しました" in content
    assert f'action="{RET_URL}"' in content
    assert f'name="OrderID" value="{ORDER_ID}"' in content
    assert 'name="Status" value="CAPTURE"' in content
    assert "ショップに戻る" in content


def test_declined_card_stays_unprocessed_and_notifies_the_error(client, commit, notify):
    response = pay_by_card(client, commit, card_number="4000000000000002")

    trade = SandboxTrade.objects.get(order_id=ORDER_ID)
    assert trade.status == "UNPROCESSED"
    assert (trade.err_code, trade.err_info) == ("G02", "42G020000")
    fields = notify.forms()[0]
    assert (fields["Status"], fields["ErrCode"], fields["ErrInfo"]) == ("UNPROCESSED", "G02", "42G020000")
    content = response.content.decode()
    assert "お支払いできませんでした" in content
    assert "G02" in content
    assert f'href="{CANCEL_URL}"' in content
    # The order id is spent: no second try with it.
    assert client.get(checkout_path()).status_code == 400


def test_any_other_card_number_is_an_input_error(client, commit, notify):
    path = checkout_path()
    client.get(path)

    with commit():
        response = client.post(path, {**CARD_FORM, "card_number": "4242424242424242"})

    assert response.status_code == 200
    assert "カード番号が正しくありません" in response.content.decode()
    assert SandboxTrade.objects.get().status == "UNPROCESSED"
    assert not notify.requests


def test_expired_card_is_an_input_error(client, commit, notify):
    path = checkout_path()
    client.get(path)

    response = client.post(path, {**CARD_FORM, "expiry": "01/20"})

    assert "有効期限が切れています" in response.content.decode()
    assert not SandboxNotification.objects.exists()


def test_posting_the_card_form_again_shows_the_result_without_paying_twice(client, commit, notify):
    pay_by_card(client, commit)

    with commit():
        response = client.post(checkout_path(), CARD_FORM)

    assert response.status_code == 200
    assert "お支払いが完了しました" in response.content.decode()
    assert SandboxNotification.objects.count() == 1
    assert len(notify.requests) == 1


def test_checkout_form_needs_the_csrf_token(commit, notify):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    path = checkout_path()
    page = client.get(path)
    token = page.cookies["csrftoken"].value

    assert client.post(path, CARD_FORM).status_code == 403
    with commit():
        assert client.post(path, {**CARD_FORM, "csrfmiddlewaretoken": token}).status_code == 200
    assert SandboxTrade.objects.get().status == "CAPTURE"
