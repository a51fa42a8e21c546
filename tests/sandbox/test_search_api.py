"""The trade-status query SearchTradeMulti.idPass."""

import pytest
from django.utils import timezone

from gateway_sandbox.models import SandboxTrade

from .helpers import ORDER_ID, checkout_path, parse_answer, pay_at_store, pay_by_card, search_path

pytestmark = pytest.mark.django_db


def search(client, **fields):
    form = {"ShopID": "tshop00000001", "ShopPass": "sandbox-pass", "OrderID": ORDER_ID, "PayType": "0", **fields}
    response = client.post(search_path(), form)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return response.content.decode("utf-8")


def test_wrong_shop_password(client, commit, notify):
    pay_by_card(client, commit)

    assert search(client, ShopPass="wrong") == "ErrCode=E01&ErrInfo=E01060010"


def test_unknown_shop(client):
    assert search(client, ShopID="tshop09999999") == "ErrCode=E01&ErrInfo=E01060010"


def test_unknown_order(client):
    assert search(client, OrderID="D2026-9999999-XXXX") == "ErrCode=E01&ErrInfo=E01040010"


def test_order_asked_with_another_pay_type_is_not_found(client, commit, notify):
    pay_by_card(client, commit)

    assert search(client, PayType="3") == "ErrCode=E01&ErrInfo=E01040010"


def test_card_trade(client, commit, notify):
    pay_by_card(client, commit)
    trade = SandboxTrade.objects.get()

    answer = parse_answer(search(client))

    assert answer == {
        "OrderID": ORDER_ID,
        "Status": "CAPTURE",
        "ProcessDate": timezone.localtime(trade.tran_date).strftime("%Y%m%d%H%M%S"),
        "JobCd": "CAPTURE",
        "AccessID": trade.access_id,
        "AccessPass": trade.access_pass,
        "Amount": "5000",
        "Tax": "0",
        "PayType": "0",
    }


def test_unprocessed_trade(client):
    client.get(checkout_path())

    answer = parse_answer(search(client))

    assert answer["Status"] == "UNPROCESSED"
    assert len(answer["ProcessDate"]) == 14


def test_store_trade(client, commit, notify):
    pay_at_store(client, commit, cvs_code="10002")
    trade = SandboxTrade.objects.get()

    answer = parse_answer(search(client, PayType="3"))

    assert answer["Status"] == "REQSUCCESS"
    assert answer["PayType"] == "3"
    assert answer["JobCd"] == ""
    assert answer["CvsCode"] == "10002"
    assert answer["CvsConfNo"] == trade.cvs_conf_no
    assert answer["CvsReceiptNo"] == trade.cvs_receipt_no
    assert answer["PaymentTerm"].endswith("235959")


def test_values_are_url_encoded(client, commit, notify):
    pay_by_card(client, commit)

    text = search(client)

    assert "&" in text and "=" in text
    assert all(part.count("=") == 1 for part in text.split("&"))


def test_get_is_not_allowed(client):
    assert client.get(search_path()).status_code == 405
