"""The digital member card (guide 8): whether it is valid today, and its QR code.

The QR code carries a public verification URL whose token is opaque (issue 11): the member's
random ``card_key`` and an HMAC of that key with the certification expiry printed on the
card. Nothing in it can be read (no member id, no date). A renewal moves the expiry on, so a
card shown before it (a screenshot, an old printout) no longer matches and reads as invalid.

The public page shows only what a hospital needs: name, member number, and whether the card
is valid today, never why not (on leave, withdrawn...). It is throttled per network address.
"""

import datetime
import re
from dataclasses import dataclass

import segno
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.safestring import mark_safe

from core.errors import DomainError

from . import throttle
from .models import Member

# A dedicated salt: no other HMAC of the project can pass for a card token's.
TOKEN_SALT = "membership.card.verify"
TAG_LENGTH = 16  # hex characters of the HMAC: 64 bits, on top of the 128-bit key
_TOKEN = re.compile(rf"^(?P<key>[A-Za-z0-9_-]{{16,32}})\.(?P<tag>[0-9a-f]{{{TAG_LENGTH}}})$")
# The public page's limit per network address (as guest sign-up's, membership.guests).
CHECK_WINDOW = datetime.timedelta(hours=1)
CHECK_LIMIT = 60
CARD_CHECK = "card_check"  # the throttle's purpose
CHECK_LIMITS = (throttle.Limit(throttle.IP_ADDRESS, CHECK_LIMIT, CHECK_WINDOW),)


class InvalidCardToken(Exception):
    """A token that was not made by make_token (tampered, truncated) or names no member."""


class TooManyCardChecks(DomainError):
    """Too many verification requests from one network address."""

    def __init__(self):
        super().__init__("短時間に多くの確認がありました。しばらくしてからもう一度お試しください。")


@dataclass(frozen=True)
class CardState:
    """Whether a card counts as valid, a short label for the badge, and a sentence why."""

    valid: bool
    label: str
    reason: str = ""


STATUS_STATES = {
    Member.Status.ON_LEAVE: CardState(False, "休会中", "休会中のため、この会員証は現在無効です。"),
    Member.Status.WITHDRAWN: CardState(False, "退会", "退会済みのため、この会員証は無効です。"),
    Member.Status.LAPSED: CardState(False, "資格喪失", "資格を喪失しているため、この会員証は無効です。"),
}


def card_state(member, today):
    """The state of ``member``'s card on ``today`` (a date, Asia/Tokyo), with the reason: for
    the member's own card page. A card is valid up to and including its expiry date."""
    current = member.certification_expires_on
    if member.status in STATUS_STATES:
        return STATUS_STATES[member.status]
    if not member.certification_number or current is None:
        return CardState(
            False, "認定情報なし", "技師認定の登録がないため、この会員証は無効です。事務局にお問い合わせください。"
        )
    if current < today:
        return CardState(
            False,
            "有効期限切れ",
            f"認定有効期限({current.year}年{current.month}月{current.day}日)を過ぎているため、この会員証は無効です。",
        )
    return CardState(True, "有効")


def _tag(key, expires_on):
    printed = expires_on.isoformat() if expires_on else ""
    return salted_hmac(TOKEN_SALT, f"{key}:{printed}", algorithm="sha256").hexdigest()[:TAG_LENGTH]


def make_token(member):
    """A deterministic token (the same card always shows the same QR code) that a renewal,
    which changes the expiry, replaces."""
    return f"{member.card_key}.{_tag(member.card_key, member.certification_expires_on)}"


def read_token(token):
    """(card key, tag) of a well-formed token, or InvalidCardToken."""
    match = _TOKEN.match(token or "")
    if match is None:
        raise InvalidCardToken
    return match["key"], match["tag"]


def verify_url(member):
    return f"{settings.SITE_URL}{reverse('card_verify', args=[make_token(member)])}"


def qr_svg(url):
    """The QR code of ``url`` as inline SVG markup, sized by CSS (no extra request)."""
    svg = segno.make(url, error="m").svg_inline(
        scale=1, border=4, omitsize=True, svgclass="card-qr-code", title="会員証確認用QRコード"
    )
    return mark_safe(svg)  # segno's markup: paths and the fixed title above, nothing from the user


@dataclass(frozen=True)
class Verification:
    """What the public verification page may show: deliberately not the Member itself, so that
    its template cannot reach the address, e-mail or birth date, nor the reason for a state."""

    name: str
    member_number: str
    valid: bool


def _count_check(ip_address):
    """Record one check from ``ip_address``; TooManyCardChecks past the hourly limit."""
    keys = {throttle.IP_ADDRESS: ip_address}
    if throttle.over_limits(purpose=CARD_CHECK, keys=keys, limits=CHECK_LIMITS):
        raise TooManyCardChecks
    throttle.record(purpose=CARD_CHECK, keys=keys)


@transaction.atomic
def verify(*, token, today, ip_address=None):
    """The verification of a QR token on ``today``; InvalidCardToken for a token of no member,
    TooManyCardChecks when ``ip_address`` asked too often. A card is valid when its token is
    the member's current one (not superseded by a renewal) and the card is valid today."""
    _count_check(ip_address)
    key, tag = read_token(token)
    member = (
        Member.objects.filter(card_key=key)
        .only(
            "card_key",
            "member_number",
            "family_name",
            "given_name",
            "status",
            "certification_number",
            "certification_expires_on",
        )  # fmt: skip
        .first()
    )
    if member is None:
        raise InvalidCardToken
    current = constant_time_compare(tag, _tag(member.card_key, member.certification_expires_on))
    return Verification(
        name=member.full_name,
        member_number=member.member_number,
        valid=current and card_state(member, today).valid,
    )


def member_of_current_token(token):
    """The member whose current card shows ``token`` (for staff at a check-in desk: not
    throttled, no validity judged); InvalidCardToken for a token of no member or one superseded
    by a renewal (its expiry no longer matches)."""
    key, tag = read_token(token)
    member = Member.objects.filter(card_key=key).first()
    if member is None or not constant_time_compare(tag, _tag(member.card_key, member.certification_expires_on)):
        raise InvalidCardToken
    return member
