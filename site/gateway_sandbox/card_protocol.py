"""The card-on-file part of docs/payment-gateway.md (sections 5 to 7), seen from the gateway's side.

Reading the card registration page's URL and writing the answers of SaveMember, SearchMember,
SearchCard, DeleteCard, EntryTran and ExecTran. Pure functions: no database, no HTTP.
"""

import base64
import binascii
import json
from dataclasses import dataclass

from django.conf import settings

from . import protocol

# Errors (ErrInfo; ErrCode is its first three characters).
ERR_SITE_PASS = "E01210002"
ERR_MEMBER_EXISTS = "E01390010"
ERR_MEMBER_NOT_FOUND = "E01390002"
ERR_CARD_NOT_FOUND = "E01240002"
ERR_ORDER_ID_USED = "E01040010"
ERR_UNKNOWN_ACCESS = protocol.ERR_UNKNOWN_ACCESS
ERR_STATE = protocol.ERR_STATE
ERR_INVALID = "E01230009"  # a parameter missing or malformed

MEMBER_ID_MAX = 60


@dataclass(frozen=True)
class MemberPageParams:
    """The parameter set of one card registration page URL, validated."""

    config_id: str
    edit_no: str
    member_id: str
    ret_url: str
    cancel_url: str


def site_pass_for(site_id):
    """The password of a site known to this gateway, or None. The sandbox knows one site."""
    if site_id and site_id == settings.GMO_SITE_ID:
        return settings.GMO_SITE_PASS
    return None


def site_allowed(data):
    """The request names our site with its password."""
    expected = site_pass_for(data.get("SiteID", ""))
    return expected is not None and protocol.same_secret(data.get("SitePass", ""), expected)


def read_member_page(shop_id, token):
    """Check and decode ``{payload}.{hash}`` of a card registration page URL for ``shop_id``.

    Signed as a checkout URL is (SHA-256 of payload + shop password). Raises CheckoutRefused.
    """
    shop_pass = protocol.shop_pass_for(shop_id)
    if shop_pass is None:
        raise protocol.CheckoutRefused("E01 unknown shop")
    payload, dot, given_hash = token.rpartition(".")
    if not dot or not payload or not protocol.same_secret(given_hash, protocol.checkout_hash(payload, shop_pass)):
        raise protocol.CheckoutRefused("E01 hash mismatch")
    try:
        data = json.loads(base64.b64decode(payload.encode("ascii"), altchars=b"-_", validate=True).decode("utf-8"))
    except (UnicodeError, binascii.Error, ValueError) as exc:
        raise protocol.CheckoutRefused("E01 payload is not base64 JSON") from exc
    if not isinstance(data, dict) or not protocol.same_secret(str(data.get("configid", "")), settings.GMO_CONFIG_ID):
        raise protocol.CheckoutRefused("E01 unknown configid")
    member = protocol._section(data, "member")
    member_id = protocol._text(member, "MemberID", required=True, max_length=MEMBER_ID_MAX)
    if protocol._text(member, "CardMaxCnt") not in ("", "1"):
        raise protocol.CheckoutRefused("E01 CardMaxCnt must be 1")
    return MemberPageParams(
        config_id=data["configid"],
        edit_no=protocol._text(member, "Cardeditno", required=True, max_length=32),
        member_id=member_id,
        ret_url=protocol._url(member, "RetUrl", required=True),
        cancel_url=protocol._url(member, "CancelUrl"),
    )


def member_fields(member):
    return [("MemberID", member.member_id), ("MemberName", member.name), ("DeleteFlag", "0")]


def card_fields(cards):
    """SearchCard's answer: each field holds every card's value, joined by ``|``."""
    columns = {
        "CardSeq": [str(card.card_seq) for card in cards],
        "DefaultFlag": ["1" if index == 0 else "0" for index, _card in enumerate(cards)],
        "CardName": ["" for _card in cards],
        "CardNo": [card.masked for card in cards],
        "Expire": [card.expire for card in cards],
        "HolderName": [card.holder_name for card in cards],
        "DeleteFlag": ["0" for _card in cards],
    }
    return [(name, "|".join(values)) for name, values in columns.items()]


def entry_fields(trade):
    return [("AccessID", trade.access_id), ("AccessPass", trade.access_pass)]


def exec_fields(trade):
    return [("ACS", "0"), ("OrderID", trade.order_id), ("Forward", "2a99662"), ("Method", "1"), ("PayTimes", ""),
            ("Approve", trade.access_id[:7]), ("TranID", trade.access_id[:28]),
            ("TranDate", protocol.gmo_datetime(trade.tran_date)), ("CheckString", "")]  # fmt: skip


def card_error_answer(code, info):
    return protocol.encode_fields([("ErrCode", code), ("ErrInfo", info)])
