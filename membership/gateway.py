"""Our client of the payment gateway (GMO PG link type Plus): the wire format lives here only.

See docs/payment-gateway.md. Three things cross the wire:
- the checkout URL we send the member to (a signed, base64 JSON parameter set);
- the result notification the gateway POSTs to us (unsigned: a trigger, never the truth);
- the trade-status query we make to learn the truth about an order.
"""

import base64
import datetime
import hashlib
import hmac
import json
import logging
import os
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

import requests
from django.conf import settings

logger = logging.getLogger(__name__)

# One session for every call to the gateway (tests mount an in-process adapter on it). It does
# not look up proxies in the environment on every call; a proxy, if the server needs one to
# reach the gateway, is set explicitly with GMO_HTTPS_PROXY.
http = requests.Session()
http.trust_env = False
if os.environ.get("GMO_HTTPS_PROXY"):
    http.proxies = {"https": os.environ["GMO_HTTPS_PROXY"]}
TIMEOUT_SECONDS = 10
JST = datetime.timezone(datetime.timedelta(hours=9))

PAY_TYPE_CARD = "0"
PAY_TYPE_CVS = "3"
PAY_METHODS = {"card": "credit", "cvs": "cvs"}
PAY_TYPES = {"card": PAY_TYPE_CARD, "cvs": PAY_TYPE_CVS}
CVS_PAYMENT_TERM_DAYS = 7


class GatewayError(Exception):
    """The gateway could not be asked, or answered with an error."""


class UnknownOrder(GatewayError):
    """The gateway has no trade for the order id: the member never got as far as its checkout."""


UNKNOWN_ORDER_ERROR = "E01040010"


@dataclass(frozen=True)
class TradeStatus:
    """The gateway's answer to a trade-status query."""

    order_id: str
    status: str
    amount: int
    tax: int
    pay_type: str
    access_id: str = ""
    process_date: datetime.datetime | None = None
    cvs_code: str = ""
    cvs_conf_no: str = ""
    cvs_receipt_no: str = ""
    payment_term: datetime.datetime | None = None


@dataclass(frozen=True)
class Notification:
    """A parsed result notification (結果通知)."""

    shop_id: str
    order_id: str
    status: str
    amount: int | None
    tax: int | None
    pay_type: str
    err_code: str
    err_info: str
    fields: dict


def _config():
    return {
        "link_url": settings.GMO_LINK_URL.rstrip("/"),
        "api_url": settings.GMO_API_URL.rstrip("/"),
        "shop_id": settings.GMO_SHOP_ID,
        "shop_pass": settings.GMO_SHOP_PASS,
        "config_id": settings.GMO_CONFIG_ID,
    }


def checkout_url(*, order_id, amount, method, overview, return_url, cancel_url, customer_name, email, phone=""):
    """The link type Plus checkout URL for one payment attempt, signed with the shop password."""
    config = _config()
    parameters = {
        "configid": config["config_id"],
        "transaction": {
            "OrderID": order_id,
            "Amount": str(int(amount)),
            "Tax": "0",
            "Overview": overview,
            "PayMethods": [PAY_METHODS[method]],
            "RetUrl": return_url,
            "CompleteUrl": return_url,
            "CancelUrl": cancel_url,
        },
        "customer": {"CustomerName": customer_name, "MailAddress": email, "TelNo": phone},
    }
    if method == "card":
        parameters["credit"] = {"JobCd": "CAPTURE", "Method": "1"}
    else:
        parameters["cvs"] = {"ReceiptsDisp11": overview[:40], "PaymentTermDay": str(CVS_PAYMENT_TERM_DAYS)}
    payload = base64.urlsafe_b64encode(json.dumps(parameters, ensure_ascii=False).encode()).decode("ascii")
    digest = hashlib.sha256((payload + config["shop_pass"]).encode()).hexdigest()
    return f"{config['link_url']}/v1/plus/{config['shop_id']}/checkout/{payload}.{digest}"


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def parse_notification(body):
    """Parse the urlencoded notification body (str). Unknown fields are kept in ``fields``."""
    fields = dict(parse_qsl(body, keep_blank_values=True))
    return Notification(
        shop_id=fields.get("ShopID", ""),
        order_id=fields.get("OrderID", ""),
        status=fields.get("Status", ""),
        amount=_int_or_none(fields.get("Amount")),
        tax=_int_or_none(fields.get("Tax")),
        pay_type=fields.get("PayType", ""),
        err_code=fields.get("ErrCode", ""),
        err_info=fields.get("ErrInfo", ""),
        fields=fields,
    )


def parse_gateway_time(value):
    """``yyyyMMddHHmmss`` in Japan time → aware datetime, or None."""
    if not value:
        return None
    try:
        return datetime.datetime.strptime(value, "%Y%m%d%H%M%S").replace(tzinfo=JST)
    except ValueError:
        return None


def search_trade(*, order_id, method):
    """Ask the gateway for the state of an order (SearchTradeMulti). Raises GatewayError."""
    config = _config()
    data = {
        "ShopID": config["shop_id"],
        "ShopPass": config["shop_pass"],
        "OrderID": order_id,
        "PayType": PAY_TYPES[method],
    }
    try:
        response = http.post(
            f"{config['api_url']}/payment/SearchTradeMulti.idPass",
            data=urlencode(data),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            timeout=TIMEOUT_SECONDS,
        )
    except requests.RequestException as error:
        raise GatewayError(f"trade-status query failed: {error}") from error
    if response.status_code != 200:
        raise GatewayError(f"trade-status query answered HTTP {response.status_code}")
    answer = dict(parse_qsl(response.text.strip(), keep_blank_values=True))
    if UNKNOWN_ORDER_ERROR in answer.get("ErrInfo", "").split("|"):
        raise UnknownOrder(f"the gateway has no trade {order_id}")
    if answer.get("ErrCode"):
        raise GatewayError(f"trade-status query error {answer.get('ErrCode')} {answer.get('ErrInfo')}")
    if answer.get("OrderID") != order_id or "Status" not in answer:
        raise GatewayError("trade-status query answered for another order")
    return TradeStatus(
        order_id=answer["OrderID"],
        status=answer["Status"],
        amount=_int_or_none(answer.get("Amount")) or 0,
        tax=_int_or_none(answer.get("Tax")) or 0,
        pay_type=answer.get("PayType", ""),
        access_id=answer.get("AccessID", ""),
        process_date=parse_gateway_time(answer.get("ProcessDate")),
        cvs_code=answer.get("CvsCode", ""),
        cvs_conf_no=answer.get("CvsConfNo", ""),
        cvs_receipt_no=answer.get("CvsReceiptNo", ""),
        payment_term=parse_gateway_time(answer.get("PaymentTerm")),
    )


def shop_id_matches(shop_id):
    return hmac.compare_digest(str(shop_id), str(settings.GMO_SHOP_ID))
