"""Opening the checkout page: the hash, the order id, the parameters are checked."""

import pytest

from gateway_sandbox.models import SandboxTrade

from .helpers import ORDER_ID, checkout_path, execution_parameters, pay_by_card

pytestmark = pytest.mark.django_db


def test_valid_card_checkout_opens_the_card_form_and_keeps_an_unprocessed_trade(client):
    response = client.get(checkout_path())

    assert response.status_code == 200
    content = response.content.decode()
    assert "GMO お支払い手続き (サンドボックス)" in content
    assert "クレジットカード決済" in content
    assert "¥5,000" in content
    assert "4111111111111111" in content and "4000000000000002" in content
    trade = SandboxTrade.objects.get(order_id=ORDER_ID)
    assert trade.status == "UNPROCESSED"
    assert (trade.amount, trade.tax, trade.pay_type, trade.shop_id) == (5000, 0, "0", "tshop00000001")
    assert trade.customer_name == "山田 花子"
    assert len(trade.access_id) == 32


def test_bad_signature_is_refused(client):
    response = client.get(checkout_path(hash_="0" * 64))

    assert response.status_code == 400
    assert "E01 hash mismatch" in response.content.decode()
    assert not SandboxTrade.objects.exists()


def test_signature_with_another_shop_password_is_refused(client):
    response = client.get(checkout_path(shop_pass="not-the-pass"))

    assert response.status_code == 400
    assert "E01 hash mismatch" in response.content.decode()


def test_tampered_payload_is_refused(client):
    good = checkout_path(amount=5000)
    _, good_hash = good.rsplit(".", 1)
    tampered = checkout_path(amount=1).rsplit(".", 1)[0] + "." + good_hash

    response = client.get(tampered)

    assert response.status_code == 400
    assert "E01 hash mismatch" in response.content.decode()


def test_unknown_shop_is_refused(client):
    response = client.get(checkout_path(shop_id="tshop09999999"))

    assert response.status_code == 400
    assert not SandboxTrade.objects.exists()


def test_reused_order_id_with_another_payload_is_refused(client):
    assert client.get(checkout_path(amount=5000)).status_code == 200

    response = client.get(checkout_path(amount=6000))

    assert response.status_code == 400
    assert "E01 order id already used" in response.content.decode()
    assert SandboxTrade.objects.get(order_id=ORDER_ID).amount == 5000


def test_the_same_url_may_be_opened_again_while_nothing_happened(client):
    path = checkout_path()
    assert client.get(path).status_code == 200

    assert client.get(path).status_code == 200
    assert SandboxTrade.objects.count() == 1


def test_the_same_url_is_refused_after_the_payment(client, commit, notify):
    pay_by_card(client, commit)

    response = client.get(checkout_path())

    assert response.status_code == 400
    assert "E01 order id already used" in response.content.decode()


def test_store_payment_over_300000_yen_is_refused(client):
    response = client.get(checkout_path(method="cvs", amount=300_001))

    assert response.status_code == 400
    assert "E01 cvs amount over limit" in response.content.decode()
    assert not SandboxTrade.objects.exists()


def test_store_payment_of_exactly_300000_yen_is_accepted(client):
    assert client.get(checkout_path(method="cvs", amount=300_000)).status_code == 200


def test_card_payment_over_300000_yen_is_accepted(client):
    assert client.get(checkout_path(method="credit", amount=500_000)).status_code == 200


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p.update(configid="other-config"), "E01 unknown configid"),
        (lambda p: p["transaction"].update(OrderID="D2026_0001"), "E01 invalid OrderID"),
        (lambda p: p["transaction"].update(OrderID="D" * 28), "E01 invalid OrderID"),
        (lambda p: p["transaction"].update(Amount="5000.0"), "E01 invalid Amount"),
        (lambda p: p["transaction"].update(PayMethods=["credit", "cvs"]), "E01 PayMethods"),
        (lambda p: p["credit"].update(JobCd="AUTH"), "E01 JobCd must be CAPTURE"),
        (lambda p: p["customer"].update(CustomerName="髙橋 一郎"), "E01 CustomerName is not JIS X 0208"),
    ],
)
def test_invalid_parameters_are_refused(client, change, message):
    params = execution_parameters()
    change(params)

    response = client.get(checkout_path(params))

    assert response.status_code == 400
    assert message in response.content.decode()


def test_payload_that_is_not_base64_json_is_refused(client, settings):
    import hashlib

    payload = "bm90IGpzb24="  # "not json"
    digest = hashlib.sha256((payload + settings.GMO_SHOP_PASS).encode()).hexdigest()

    response = client.get(f"/sandbox-gateway/link/v1/plus/{settings.GMO_SHOP_ID}/checkout/{payload}.{digest}")

    assert response.status_code == 400
    assert "E01 payload" in response.content.decode()
