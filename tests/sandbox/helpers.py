"""Checkout URLs built the way docs/payment-gateway.md says, independently of our client."""

import base64
import copy
import hashlib
import json
from urllib.parse import parse_qsl, urlsplit

from django.conf import settings

ORDER_ID = "D2026-0000123-7KQ3"
RET_URL = "https://members.example.jp/member/payments/D2026-0000123-7KQ3/return"
CANCEL_URL = "https://members.example.jp/member/dues"


def execution_parameters(*, order_id=ORDER_ID, amount=5000, tax=0, method="credit", term_days=7, **customer):
    """The execution parameter set of the doc's example, for a card or a store payment."""
    params = {
        "configid": settings.GMO_CONFIG_ID,
        "transaction": {
            "OrderID": order_id,
            "Amount": str(amount),
            "Tax": str(tax),
            "Overview": "2026年度 会費",
            "PayMethods": [method],
            "RetUrl": RET_URL,
            "CompleteUrl": RET_URL,
            "CancelUrl": CANCEL_URL,
        },
        "customer": {"CustomerName": "山田 花子", "MailAddress": "member@example.jp", "TelNo": "0312345678"},
    }
    params["customer"].update(customer)
    if method == "credit":
        params["credit"] = {"JobCd": "CAPTURE", "Method": "1"}
    else:
        params["cvs"] = {"ReceiptsDisp11": "日本消化器内視鏡技師会", "PaymentTermDay": str(term_days)}
    return params


def sign(params, shop_pass=None):
    """``(payload, hash)`` for an execution parameter set."""
    payload = base64.urlsafe_b64encode(json.dumps(params, ensure_ascii=False).encode("utf-8")).decode("ascii")
    shop_pass = settings.GMO_SHOP_PASS if shop_pass is None else shop_pass
    return payload, hashlib.sha256((payload + shop_pass).encode("utf-8")).hexdigest()


def checkout_url(params=None, *, shop_id=None, shop_pass=None, hash_=None, **kwargs):
    """The full checkout URL ``{GMO_LINK_URL}/v1/plus/{ShopID}/checkout/{payload}.{hash}``."""
    params = copy.deepcopy(params) if params is not None else execution_parameters(**kwargs)
    payload, digest = sign(params, shop_pass)
    shop_id = settings.GMO_SHOP_ID if shop_id is None else shop_id
    return f"{settings.GMO_LINK_URL}/v1/plus/{shop_id}/checkout/{payload}.{hash_ or digest}"


def path_of(url):
    """The path of a URL of this site, for ``django.test.Client``."""
    return urlsplit(url).path


def checkout_path(*args, **kwargs):
    return path_of(checkout_url(*args, **kwargs))


def search_path():
    return path_of(f"{settings.GMO_API_URL}/payment/SearchTradeMulti.idPass")


def parse_answer(text):
    return dict(parse_qsl(text, keep_blank_values=True))


CARD_FORM = {
    "card_number": "4111111111111111",
    "expiry": "12/39",
    "holder_name": "HANAKO YAMADA",
    "security_code": "123",
}


def pay_by_card(client, commit, card_number="4111111111111111", **kwargs):
    """Open a card checkout and pay; returns the result page response."""
    path = checkout_path(method="credit", **kwargs)
    assert client.get(path).status_code == 200
    with commit():
        return client.post(path, {**CARD_FORM, "card_number": card_number})


def pay_at_store(client, commit, cvs_code="10001", **kwargs):
    """Open a store checkout and have the numbers issued; returns the completion page response."""
    path = checkout_path(method="cvs", **kwargs)
    assert client.get(path).status_code == 200
    form = {"cvs_code": cvs_code, "name": "ヤマダ ハナコ", "phone": "0312345678"}
    assert client.post(path, {**form, "step": "confirm"}).status_code == 200
    with commit():
        return client.post(path, {**form, "step": "complete"})
