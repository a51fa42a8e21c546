"""Our client of the payment gateway (GMO PG link type Plus): the wire format lives here only.

See docs/payment-gateway.md. Three things cross the wire:
- the checkout URL we send the member to (a signed, base64 JSON parameter set);
- the result notification the gateway POSTs to us (unsigned: a trigger, never the truth);
- the trade-status query we make to learn the truth about an order;
- the void / cancel call that closes an order at the gateway before we close it here.
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
    access_pass: str = ""
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


# What a result notification may hold (docs/payment-gateway.md section 2): its fields, each at
# most once and at most this long, and the size of the whole body. Anything else is refused.
NOTIFICATION_FIELDS = frozenset(
    "ShopID ShopPass AccessID AccessPass OrderID Status JobCd Amount Tax PayType TranDate "
    "CvsCode CvsConfNo CvsReceiptNo PaymentTerm ErrCode ErrInfo".split()
)
NOTIFICATION_VALUE_MAX = 100
NOTIFICATION_MAX_BYTES = 4096


class MalformedNotification(ValueError):
    """The body is not a result notification of the protocol; ``str(error)`` says why (Japanese)."""


def check_notification(body):
    """Refuse a body that the protocol does not allow (fields, lengths, characters)."""
    if len(body.encode("utf-8")) > NOTIFICATION_MAX_BYTES:
        raise MalformedNotification("本文が大きすぎます")
    try:
        pairs = parse_qsl(body, keep_blank_values=True, strict_parsing=bool(body), errors="strict",
                          max_num_fields=len(NOTIFICATION_FIELDS))  # fmt: skip
    except (ValueError, UnicodeError) as error:
        raise MalformedNotification("本文を読めません(形式・文字コード)") from error
    names = [name for name, _value in pairs]
    unknown = sorted(set(names) - NOTIFICATION_FIELDS)
    if unknown:
        raise MalformedNotification(f"プロトコルにない項目があります: {', '.join(unknown)[:100]}")
    if len(names) != len(set(names)):
        raise MalformedNotification("同じ項目が2回あります")
    for name, value in pairs:
        if len(value) > NOTIFICATION_VALUE_MAX or not value.isprintable():
            raise MalformedNotification(f"項目 {name} の値が不正です")


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


def _call(config, path, data, *, what):
    """POST ``data`` to the protocol API's ``path``; the answer's fields. GatewayError when the
    gateway cannot be reached or answers other than HTTP 200 (``what`` names the call)."""
    try:
        response = http.post(
            f"{config['api_url']}/payment/{path}",
            data=urlencode(data),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            timeout=TIMEOUT_SECONDS,
        )
    except requests.RequestException as error:
        raise GatewayError(f"{what} failed: {error}") from error
    if response.status_code != 200:
        raise GatewayError(f"{what} answered HTTP {response.status_code}")
    return dict(parse_qsl(response.text.strip(), keep_blank_values=True))


def search_trade(*, order_id, method):
    """Ask the gateway for the state of an order (SearchTradeMulti). Raises GatewayError."""
    config = _config()
    data = {
        "ShopID": config["shop_id"],
        "ShopPass": config["shop_pass"],
        "OrderID": order_id,
        "PayType": PAY_TYPES[method],
    }
    answer = _call(config, "SearchTradeMulti.idPass", data, what="trade-status query")
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
        access_pass=answer.get("AccessPass", ""),
        process_date=parse_gateway_time(answer.get("ProcessDate")),
        cvs_code=answer.get("CvsCode", ""),
        cvs_conf_no=answer.get("CvsConfNo", ""),
        cvs_receipt_no=answer.get("CvsReceiptNo", ""),
        payment_term=parse_gateway_time(answer.get("PaymentTerm")),
    )


class VoidRefused(GatewayError):
    """The gateway would not void or cancel the order (e.g. paid meanwhile); ask it again."""


def void_trade(*, trade, method):
    """Close an order at the gateway so that nobody can pay it any more.

    Card: AlterTran with JobCd=VOID. Convenience store: CvsCancel (the store numbers stop
    working). ``trade`` is the TradeStatus just queried (its AccessID and AccessPass). Raises
    VoidRefused when the gateway answers with an error, GatewayError when it cannot be asked.
    """
    config = _config()
    data = {"ShopID": config["shop_id"], "ShopPass": config["shop_pass"],
            "AccessID": trade.access_id, "AccessPass": trade.access_pass}  # fmt: skip
    if method == "card":
        path, data["JobCd"] = "AlterTran.idPass", "VOID"
    else:
        path, data["OrderID"] = "CvsCancel.idPass", trade.order_id
    answer = _call(config, path, data, what=f"void of {trade.order_id}")
    if answer.get("ErrCode") or answer.get("AccessID", trade.access_id) != trade.access_id:
        raise VoidRefused(f"void of {trade.order_id} refused: {answer.get('ErrCode')} {answer.get('ErrInfo')}")
    return answer


def shop_id_matches(shop_id):
    return hmac.compare_digest(str(shop_id), str(settings.GMO_SHOP_ID))
