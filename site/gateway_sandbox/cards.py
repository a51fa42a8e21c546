"""Cards on file at the sandbox gateway: members, their cards, and charges with a stored card.

One function per call of the protocol (docs/payment-gateway.md sections 5 to 7), one transaction
each. Errors are ``SandboxError`` whose message is the protocol's ErrInfo code; a declined card
is a trade left UNPROCESSED with its ErrCode and ErrInfo.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from . import card_protocol, db, protocol
from .models import SandboxCard, SandboxMember, SandboxTrade
from .services import SandboxError, _notify

Status = SandboxTrade.Status


def _member(site_id, member_id):
    member = SandboxMember.objects.filter(site_id=site_id, member_id=member_id).first()
    if member is None:
        raise SandboxError(card_protocol.ERR_MEMBER_NOT_FOUND)
    return member


def save_member(site_id, member_id, name=""):
    """SaveMember: a new member of the site; an existing member id is refused."""
    if not member_id or len(member_id) > card_protocol.MEMBER_ID_MAX:
        raise SandboxError(card_protocol.ERR_INVALID)
    try:
        with transaction.atomic(using=db.alias()):
            return SandboxMember.objects.create(site_id=site_id, member_id=member_id, name=name[:255])
    except IntegrityError:
        raise SandboxError(card_protocol.ERR_MEMBER_EXISTS) from None


def search_member(site_id, member_id):
    return _member(site_id, member_id)


def live_cards(member):
    return list(member.cards.filter(deleted=False).order_by("card_seq"))


def search_card(site_id, member_id, card_seq=""):
    """SearchCard (SeqMode 0): the member's cards, or the one ``card_seq`` names."""
    cards = live_cards(_member(site_id, member_id))
    if card_seq != "":
        cards = [card for card in cards if str(card.card_seq) == card_seq]
    if not cards:
        raise SandboxError(card_protocol.ERR_CARD_NOT_FOUND)
    return cards


@db.atomic
def save_card(site_id, member_id, *, card_number, expire, holder_name=""):
    """The card registration page: the member's card (one per member here) is registered or replaced."""
    member = SandboxMember.objects.select_for_update().filter(site_id=site_id, member_id=member_id).first()
    if member is None:
        raise SandboxError(card_protocol.ERR_MEMBER_NOT_FOUND)
    card = member.cards.filter(deleted=False).order_by("card_seq").first()
    if card is None:
        last = member.cards.order_by("-card_seq").first()
        card = SandboxCard(member=member, card_seq=0 if last is None else last.card_seq + 1)
    card.card_number, card.expire, card.holder_name = card_number, expire, holder_name
    card.save()
    return card


@db.atomic
def delete_card(site_id, member_id, card_seq):
    """DeleteCard: the card can no longer be charged."""
    (card,) = search_card(site_id, member_id, card_seq)
    card.deleted = True
    card.save(update_fields=["deleted", "updated_at"])
    return card


def entry_tran(shop_id, *, order_id, amount, tax, job_cd):
    """EntryTran: open a card trade for the order id (refused if the order id has one)."""
    if not protocol.ORDER_ID_RE.fullmatch(order_id) or job_cd != "CAPTURE" or amount < 1:
        raise SandboxError(card_protocol.ERR_INVALID)
    try:
        with transaction.atomic(using=db.alias()):
            return SandboxTrade.objects.create(
                order_id=order_id, shop_id=shop_id, checkout_hash="", pay_type=protocol.CARD, amount=amount,
                tax=tax, ret_url="", overview="カード登録決済",
            )  # fmt: skip
    except IntegrityError:
        raise SandboxError(card_protocol.ERR_ORDER_ID_USED) from None


def _expired(expire, now):
    today = now.astimezone(protocol.JST).date()
    return len(expire) != 4 or (2000 + int(expire[:2]), int(expire[2:])) < (today.year, today.month)


@db.atomic
def exec_tran(*, access_id, access_pass, order_id, site_id, member_id, card_seq):
    """ExecTran with a card on file: capture at once, or decline (the test decline number: G02;
    the test expiring number or a card past its expiry: G83). Either way a result notification."""
    try:  # (unique fields: get, not first, which would sort by the models' ordering)
        trade = SandboxTrade.objects.select_for_update().get(access_id=access_id, pay_type=protocol.CARD)
    except SandboxTrade.DoesNotExist:
        raise SandboxError(card_protocol.ERR_UNKNOWN_ACCESS) from None
    if not protocol.same_secret(trade.access_pass, access_pass) or trade.order_id != order_id:
        raise SandboxError(card_protocol.ERR_UNKNOWN_ACCESS)
    if trade.status != Status.UNPROCESSED or trade.checkout_hash:
        raise SandboxError(card_protocol.ERR_STATE)
    cards = SandboxCard.objects.only("card_number", "expire").filter(
        member__site_id=site_id, member__member_id=member_id, deleted=False
    )
    try:
        card = cards.get(card_seq=int(card_seq)) if card_seq.isdigit() else None
    except SandboxCard.DoesNotExist:
        card = None
    if card is None:
        raise SandboxError(card_protocol.ERR_CARD_NOT_FOUND)
    now = timezone.now()
    trade.card_number_masked, trade.tran_date = card.masked, now
    if card.card_number == protocol.CARD_DECLINED:
        trade.err_code, trade.err_info = protocol.DECLINE_ERR_CODE, protocol.DECLINE_ERR_INFO
    elif card.card_number == protocol.CARD_EXPIRED or _expired(card.expire, now):
        trade.err_code, trade.err_info = protocol.EXPIRED_ERR_CODE, protocol.EXPIRED_ERR_INFO
    else:
        trade.status, trade.job_cd, trade.err_code, trade.err_info = Status.CAPTURE, "CAPTURE", "", ""
    trade.save(update_fields=["card_number_masked", "tran_date", "status", "job_cd", "err_code", "err_info",
                              "updated_at"])  # fmt: skip
    _notify(trade, after_answer=True)
    return trade  # a declined one too (committed, notified): the caller answers its card error
