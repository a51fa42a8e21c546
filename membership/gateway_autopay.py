"""Our client of the gateway's card-on-file service (GMO PG member and card registration).

See docs/payment-gateway.md, sections 5 to 7. The card is stored by the gateway under a member
id of ours; we never see card data. What crosses the wire:
- SaveMember / SearchMember: the gateway's member for one of ours (site API: SiteID, SitePass);
- the card registration page (link type Plus member edit), a signed URL the member's browser
  goes to, so that card numbers are typed into the gateway's page only (PCI DSS SAQ A);
- SearchCard (the masked number and the expiry as the gateway holds them), DeleteCard;
- EntryTran + ExecTran with MemberID and CardSeq: a charge server to server. Its outcome is
  confirmed with the trade-status query of ``gateway.search_trade``, as notifications are.
"""

import base64
import hashlib
import json
from dataclasses import dataclass

from django.conf import settings

from .gateway import GatewayError, _call, _config

MEMBER_EXISTS = "E01390010"
MEMBER_NOT_FOUND = "E01390002"
CARD_NOT_FOUND = "E01240002"
ORDER_ID_USED = "E01040010"  # EntryTran: the order id has a trade already
TRADE_STATE = "E01050004"  # ExecTran: the trade was executed already


class CardRefused(GatewayError):
    """ExecTran answered with a card error: ``code`` (e.g. G02) and ``info`` (e.g. 42G020000)."""

    def __init__(self, code, info):
        super().__init__(f"card refused {code} {info}")
        self.code, self.info = code, info


@dataclass(frozen=True)
class CardOnFile:
    """The gateway's SearchCard answer for the member's card."""

    card_seq: str
    masked_number: str
    expire: str  # YYMM


def _site(data):
    return {"SiteID": settings.GMO_SITE_ID, "SitePass": settings.GMO_SITE_PASS, **data}


def _errors(answer):
    return set(answer.get("ErrInfo", "").split("|")) - {""}


def _checked(answer, what, *, allowed=()):
    errors = _errors(answer)
    if errors and not errors <= set(allowed):
        raise GatewayError(f"{what} error {answer.get('ErrCode')} {answer.get('ErrInfo')}")
    return answer


def ensure_member(*, member_id, name):
    """The gateway's member ``member_id`` exists afterwards (SearchMember, SaveMember if missing)."""
    config = _config()
    answer = _call(config, "SearchMember.idPass", _site({"MemberID": member_id}), what="member query")
    if not _errors(answer) and answer.get("MemberID") == member_id and answer.get("DeleteFlag", "0") == "0":
        return
    _checked(answer, "member query", allowed=(MEMBER_NOT_FOUND,))
    answer = _call(config, "SaveMember.idPass", _site({"MemberID": member_id, "MemberName": name[:255]}),
                   what="member registration")  # fmt: skip
    _checked(answer, "member registration", allowed=(MEMBER_EXISTS,))


def card_edit_url(*, member_id, edit_no, return_url, cancel_url):
    """The gateway's card registration page for the member (link type Plus, member edit), signed
    like a checkout URL: ``{GMO_LINK_URL}/v1/plus/{ShopID}/member/{payload}.{hash}``."""
    config = _config()
    parameters = {
        "configid": config["config_id"],
        "member": {"Cardeditno": edit_no, "MemberID": member_id, "CardMaxCnt": "1",
                   "RetUrl": return_url, "CancelUrl": cancel_url},
    }  # fmt: skip
    payload = base64.urlsafe_b64encode(json.dumps(parameters, ensure_ascii=False).encode()).decode("ascii")
    digest = hashlib.sha256((payload + config["shop_pass"]).encode()).hexdigest()
    return f"{config['link_url']}/v1/plus/{config['shop_id']}/member/{payload}.{digest}"


def search_card(*, member_id):
    """The member's card at the gateway (the default one, or the first), or None when there is none."""
    data = _site({"MemberID": member_id, "SeqMode": "0"})
    answer = _checked(_call(_config(), "SearchCard.idPass", data, what="card query"), "card query",
                      allowed=(CARD_NOT_FOUND, MEMBER_NOT_FOUND))  # fmt: skip
    if _errors(answer):
        return None
    columns = {
        name: answer.get(name, "").split("|") for name in ("CardSeq", "DefaultFlag", "CardNo", "Expire", "DeleteFlag")
    }
    cards = [
        {name: (values[index] if index < len(values) else "") for name, values in columns.items()}
        for index in range(len(columns["CardSeq"]))
    ]
    cards = [card for card in cards if card["CardSeq"] and card["DeleteFlag"] != "1"]
    if not cards:
        return None
    card = next((card for card in cards if card["DefaultFlag"] == "1"), cards[0])
    return CardOnFile(card_seq=card["CardSeq"], masked_number=card["CardNo"], expire=card["Expire"])


def delete_card(*, member_id, card_seq):
    """DeleteCard; a card the gateway no longer has counts as deleted."""
    data = _site({"MemberID": member_id, "SeqMode": "0", "CardSeq": card_seq})
    _checked(_call(_config(), "DeleteCard.idPass", data, what="card deletion"), "card deletion",
             allowed=(CARD_NOT_FOUND, MEMBER_NOT_FOUND))  # fmt: skip


def entry_tran(*, order_id, amount):
    """EntryTran: open the trade for ``order_id``; ``(AccessID, AccessPass)``, or None when the
    order id has a trade already (a repeated charge: ask the trade-status query)."""
    config = _config()
    data = {"ShopID": config["shop_id"], "ShopPass": config["shop_pass"], "OrderID": order_id,
            "JobCd": "CAPTURE", "Amount": str(int(amount)), "Tax": "0"}  # fmt: skip
    answer = _checked(_call(config, "EntryTran.idPass", data, what=f"entry of {order_id}"), f"entry of {order_id}",
                      allowed=(ORDER_ID_USED,))  # fmt: skip
    if _errors(answer):
        return None
    return answer["AccessID"], answer["AccessPass"]


def exec_tran(*, access_id, access_pass, order_id, member_id, card_seq):
    """ExecTran with the card on file (lump sum). Raises CardRefused for a card error (or a card the
    gateway no longer has), GatewayError for anything else. A trade executed already (a doubled
    run) is no error here: the trade-status query that follows tells what became of it."""
    data = _site({"AccessID": access_id, "AccessPass": access_pass, "OrderID": order_id, "Method": "1",
                  "MemberID": member_id, "SeqMode": "0", "CardSeq": card_seq})  # fmt: skip
    answer = _call(_config(), "ExecTran.idPass", data, what=f"charge of {order_id}")
    code = answer.get("ErrCode", "")
    if code.startswith("G"):
        raise CardRefused(code.split("|")[0], answer.get("ErrInfo", "").split("|")[0])
    if _errors(answer) & {CARD_NOT_FOUND, MEMBER_NOT_FOUND}:  # the card was deleted at the gateway
        raise CardRefused(code.split("|")[0], answer.get("ErrInfo", "").split("|")[0])
    return _checked(answer, f"charge of {order_id}", allowed=(TRADE_STATE,))  # executed already: ask the query
