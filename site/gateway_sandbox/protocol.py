"""The wire format of docs/payment-gateway.md, seen from the gateway's side.

Reading a checkout URL (payload, hash, execution parameter set) and writing result
notifications and trade-status answers. Pure functions: no database, no HTTP.
"""

import base64
import binascii
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings

from .chains import CHAINS

JST = ZoneInfo("Asia/Tokyo")
MASK = "**********"

CARD = "0"
CVS = "3"

# Test card numbers shown on the checkout page.
CARD_OK = "4111111111111111"
CARD_DECLINED = "4000000000000002"
DECLINE_ERR_CODE = "G02"
DECLINE_ERR_INFO = "42G020000"
# Cards on file (docs/payment-gateway.md section 5): this one registers, but the card company
# reports it expired when it is charged (as does any card whose expiry has passed by then).
CARD_EXPIRED = "4000000000000069"
EXPIRED_ERR_CODE = "G83"
EXPIRED_ERR_INFO = "42G830000"
TEST_CARDS_ON_FILE = (CARD_OK, CARD_DECLINED, CARD_EXPIRED)

CVS_AMOUNT_LIMIT = 300_000

# Trade-status query errors.
ERR_SHOP_PASS = "E01060010"
ERR_UNKNOWN_ORDER = "E01040010"
# Void / cancel errors: no trade with this AccessID and AccessPass; the trade's state does not allow it.
ERR_UNKNOWN_ACCESS = "E01110002"
ERR_STATE = "E01050004"

ORDER_ID_RE = re.compile(r"[A-Za-z0-9-]{1,27}")
WHOLE_YEN_RE = re.compile(r"[0-9]{1,9}")
HEX_SHA256_RE = re.compile(r"[0-9a-f]{64}")


class CheckoutRefused(Exception):
    """The checkout URL is refused; ``str(error)`` is the gateway's message, e.g. "E01 hash mismatch"."""


@dataclass(frozen=True)
class CheckoutParams:
    """The execution parameter set of one checkout URL, validated."""

    config_id: str
    order_id: str
    amount: int
    tax: int
    overview: str
    pay_type: str  # CARD or CVS
    ret_url: str
    complete_url: str
    cancel_url: str
    job_cd: str
    payment_term_day: int | None
    receipts_disp11: str
    customer_name: str
    customer_email: str
    customer_phone: str

    @property
    def total(self):
        return self.amount + self.tax


def shop_pass_for(shop_id):
    """The password of a shop known to this gateway, or None. The sandbox knows one shop."""
    if shop_id and shop_id == settings.GMO_SHOP_ID:
        return settings.GMO_SHOP_PASS
    return None


def checkout_hash(payload, shop_pass):
    return hashlib.sha256((payload + shop_pass).encode("utf-8")).hexdigest()


def same_secret(given, expected):
    return hmac.compare_digest(str(given).encode("utf-8"), str(expected).encode("utf-8"))


def read_checkout(shop_id, token):
    """Check and decode ``{payload}.{hash}`` of a checkout URL for ``shop_id``.

    Returns ``(params, hash)``; raises CheckoutRefused with the gateway's message.
    """
    shop_pass = shop_pass_for(shop_id)
    if shop_pass is None:
        raise CheckoutRefused("E01 unknown shop")
    payload, dot, given_hash = token.rpartition(".")
    if not dot or not payload or not HEX_SHA256_RE.fullmatch(given_hash):
        raise CheckoutRefused("E01 hash mismatch")
    if not same_secret(given_hash, checkout_hash(payload, shop_pass)):
        raise CheckoutRefused("E01 hash mismatch")
    try:
        raw = base64.b64decode(payload.encode("ascii"), altchars=b"-_", validate=True)
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeError, binascii.Error, ValueError) as exc:
        raise CheckoutRefused("E01 payload is not base64 JSON") from exc
    return parse_parameters(data), given_hash


def _section(data, name, required=True):
    value = data.get(name)
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise CheckoutRefused(f"E01 missing {name}")
    return value


def _text(section, key, *, required=False, max_length=None):
    value = section.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise CheckoutRefused(f"E01 invalid {key}")
    if required and not value:
        raise CheckoutRefused(f"E01 missing {key}")
    if max_length is not None and len(value) > max_length:
        raise CheckoutRefused(f"E01 {key} too long")
    return value


def _url(section, key, *, required=False):
    value = _text(section, key, required=required, max_length=500)
    if value and (urlsplit(value).scheme not in {"http", "https"} or not urlsplit(value).netloc):
        raise CheckoutRefused(f"E01 invalid {key}")
    return value


def _whole_yen(section, key, *, required=True):
    value = _text(section, key, required=required) or "0"
    if not WHOLE_YEN_RE.fullmatch(value):
        raise CheckoutRefused(f"E01 invalid {key}")
    return int(value)


def is_jis_x_0208(text):
    """True when ``text`` is ASCII and JIS X 0208 only (what GMO accepts in names)."""
    try:
        text.encode("iso2022_jp")
    except UnicodeEncodeError:
        return False
    return True


def parse_parameters(data):
    """Validate the execution parameter set (section 1 of the doc)."""
    if not isinstance(data, dict):
        raise CheckoutRefused("E01 payload is not a JSON object")
    config_id = _text(data, "configid", required=True)
    if not same_secret(config_id, settings.GMO_CONFIG_ID):
        raise CheckoutRefused("E01 unknown configid")
    transaction = _section(data, "transaction")
    order_id = _text(transaction, "OrderID", required=True)
    if not ORDER_ID_RE.fullmatch(order_id):
        raise CheckoutRefused("E01 invalid OrderID")
    amount = _whole_yen(transaction, "Amount")
    if amount < 1:
        raise CheckoutRefused("E01 invalid Amount")
    tax = _whole_yen(transaction, "Tax", required=False)
    methods = transaction.get("PayMethods")
    if not isinstance(methods, list) or len(methods) != 1 or methods[0] not in {"credit", "cvs"}:
        raise CheckoutRefused("E01 PayMethods must be exactly one of credit, cvs")
    pay_type = CARD if methods[0] == "credit" else CVS

    job_cd, payment_term_day, receipts_disp11 = "", None, ""
    if pay_type == CARD:
        credit = _section(data, "credit")
        job_cd = _text(credit, "JobCd", required=True)
        if job_cd != "CAPTURE":
            raise CheckoutRefused("E01 JobCd must be CAPTURE")
        if _text(credit, "Method", required=True) != "1":
            raise CheckoutRefused("E01 Method must be 1")
    else:
        cvs = _section(data, "cvs")
        term = _text(cvs, "PaymentTermDay", required=True)
        if not term.isascii() or not term.isdigit() or not 1 <= int(term) <= 60:
            raise CheckoutRefused("E01 invalid PaymentTermDay")
        payment_term_day = int(term)
        receipts_disp11 = _text(cvs, "ReceiptsDisp11", max_length=42)
        if amount + tax > CVS_AMOUNT_LIMIT:
            raise CheckoutRefused("E01 cvs amount over limit")

    customer = _section(data, "customer", required=False)
    customer_name = _text(customer, "CustomerName", max_length=100)
    if customer_name and not is_jis_x_0208(customer_name):
        raise CheckoutRefused("E01 CustomerName is not JIS X 0208")
    return CheckoutParams(
        config_id=config_id,
        order_id=order_id,
        amount=amount,
        tax=tax,
        overview=_text(transaction, "Overview", max_length=200),
        pay_type=pay_type,
        ret_url=_url(transaction, "RetUrl", required=True),
        complete_url=_url(transaction, "CompleteUrl"),
        cancel_url=_url(transaction, "CancelUrl"),
        job_cd=job_cd,
        payment_term_day=payment_term_day,
        receipts_disp11=receipts_disp11,
        customer_name=customer_name,
        customer_email=_text(customer, "MailAddress", max_length=254),
        customer_phone=_text(customer, "TelNo", max_length=20),
    )


def gmo_datetime(moment):
    """``yyyyMMddHHmmss`` in Japan time, or "" for None."""
    return moment.astimezone(JST).strftime("%Y%m%d%H%M%S") if moment else ""


def notification_fields(trade):
    """The result notification for the trade's current state, as (name, value) pairs."""
    fields = [
        ("ShopID", trade.shop_id),
        ("ShopPass", MASK),
        ("AccessID", trade.access_id),
        ("AccessPass", MASK),
        ("OrderID", trade.order_id),
        ("Status", trade.status),
        ("JobCd", trade.job_cd if trade.pay_type == CARD else ""),
        ("Amount", str(trade.amount)),
        ("Tax", str(trade.tax)),
        ("PayType", trade.pay_type),
        ("TranDate", gmo_datetime(trade.tran_date)),
    ]
    if trade.pay_type == CVS:
        fields += [
            ("CvsCode", trade.cvs_code),
            ("CvsConfNo", trade.cvs_conf_no),
            ("CvsReceiptNo", trade.cvs_receipt_no),
            ("PaymentTerm", gmo_datetime(trade.payment_term)),
        ]
    fields += [("ErrCode", trade.err_code), ("ErrInfo", trade.err_info)]
    return fields


def search_fields(trade):
    """The answer of the trade-status query for a known trade, as (name, value) pairs."""
    fields = [
        ("OrderID", trade.order_id),
        ("Status", trade.status),
        ("ProcessDate", gmo_datetime(trade.tran_date or trade.created_at)),
        ("JobCd", trade.job_cd if trade.pay_type == CARD else ""),
        ("AccessID", trade.access_id),
        ("AccessPass", trade.access_pass),
        ("Amount", str(trade.amount)),
        ("Tax", str(trade.tax)),
        ("PayType", trade.pay_type),
    ]
    if trade.pay_type == CVS:
        fields += [
            ("CvsCode", trade.cvs_code),
            ("CvsConfNo", trade.cvs_conf_no),
            ("CvsReceiptNo", trade.cvs_receipt_no),
            ("PaymentTerm", gmo_datetime(trade.payment_term)),
        ]
    return fields


def void_fields(trade):
    """The answer of AlterTran (JobCd=VOID) for a card trade just voided."""
    return [("AccessID", trade.access_id), ("AccessPass", trade.access_pass), ("Forward", ""), ("Approve", ""),
            ("TranID", ""), ("TranDate", gmo_datetime(trade.tran_date))]  # fmt: skip


def cvs_cancel_fields(trade):
    """The answer of CvsCancel for a store trade just cancelled."""
    return [("OrderID", trade.order_id), ("Status", trade.status)]


def encode_fields(fields):
    """``key=value&…`` with URL-encoded UTF-8 values."""
    return urlencode(fields, encoding="utf-8")


def error_answer(*codes):
    """``ErrCode=E01&ErrInfo=E01040010``; several errors joined by ``|`` in each field."""
    return encode_fields([("ErrCode", "|".join(code[:3] for code in codes)), ("ErrInfo", "|".join(codes))])


def chain_name(code):
    chain = CHAINS.get(code)
    return chain.name if chain else code
