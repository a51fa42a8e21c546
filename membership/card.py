"""The digital member card (guide 8): whether it is valid today, and its signed QR code.

The QR code carries a public verification URL whose token signs the member's pk together with
the certification expiry printed on the card. A renewal moves the expiry on, so a card shown
before it (a screenshot, an old printout) then reads as superseded instead of valid.
"""

import datetime
from dataclasses import dataclass

import segno
from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.safestring import mark_safe

from .models import Member

# A dedicated salt: no other signed value of the project can pass for a card token.
TOKEN_SALT = "membership.card.verify"


class InvalidCardToken(Exception):
    """A token that was not made by make_token (tampered, truncated) or names no member."""


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

# printed_expiry's default: the card being shown right now, so nothing to compare.
_CURRENT = object()


def card_state(member, today, *, printed_expiry=_CURRENT):
    """The state of ``member``'s card on ``today`` (a date, Asia/Tokyo).

    ``printed_expiry`` is the expiry (or None) printed on the card being checked, from a QR
    token; when it differs from the member's current one, that card has been replaced by a
    newer one. A card is valid up to and including its expiry date.
    """
    current = member.certification_expires_on
    if member.status in STATUS_STATES:
        return STATUS_STATES[member.status]
    if printed_expiry is not _CURRENT and printed_expiry != current:
        if current is not None and printed_expiry is not None and current > printed_expiry:
            return CardState(False, "更新済み", "この会員証は更新済みです(最新の会員証をご確認ください)。")
        return CardState(False, "変更済み", "この会員証の内容は変更されています(最新の会員証をご確認ください)。")
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


def make_token(member):
    """A deterministic token (no timestamp: the same card always shows the same QR code)."""
    expires = member.certification_expires_on.isoformat() if member.certification_expires_on else ""
    return signing.Signer(salt=TOKEN_SALT).sign_object([member.pk, expires])


def read_token(token):
    """(member pk, expiry printed on the card or None) of a token, or InvalidCardToken."""
    try:
        payload = signing.Signer(salt=TOKEN_SALT).unsign_object(token)
        pk, expires = payload
        return int(pk), (datetime.date.fromisoformat(expires) if expires else None)
    except (signing.BadSignature, TypeError, ValueError) as error:
        raise InvalidCardToken from error


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
    its template cannot reach the address, e-mail or birth date."""

    name: str
    member_number: str
    state: CardState


def verify(token, today):
    """The verification of a QR token on ``today``, or InvalidCardToken."""
    pk, printed_expiry = read_token(token)
    member = (
        Member.objects.filter(pk=pk)
        .only(
            "member_number", "family_name", "given_name", "status", "certification_number", "certification_expires_on"
        )
        .first()
    )
    if member is None:
        raise InvalidCardToken
    return Verification(
        name=member.full_name,
        member_number=member.member_number,
        state=card_state(member, today, printed_expiry=printed_expiry),
    )
