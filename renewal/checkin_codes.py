"""The codes read at the check-in desk (受付): the admission ticket's and the member card's.

A ticket's code is its ticket number with six check characters, ``S12-0003-K7P2QX``: the first
characters of an HMAC of the ticket number (``salted_hmac`` with the project's SECRET_KEY and a
salt of its own), written in an alphabet without look-alikes (no 0/O, 1/I/L). The ticket prints
it under its QR code, and the QR code carries exactly the same text, so that a receptionist can
type what the camera cannot read. Thirty bits of HMAC cannot be made up without the key, and can
be tried only one request at a time by a logged-in receptionist: a forged or altered code
(a plain ticket number, another check, another number) is refused and never names a person.

A member card's QR code is its public verification URL (``membership.card``): an opaque random
key with an HMAC of it and the printed expiry. The desk accepts the card of the member's current
token only (a card printed before a renewal is refused, as the public page calls it invalid).
"""

import re
import unicodedata
from dataclasses import dataclass

from django.utils.crypto import constant_time_compare, salted_hmac

from membership.card import InvalidCardToken, read_token

TICKET_SALT = "renewal.ticket.checkin"
CHECK_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # 31 characters, no look-alikes
CHECK_LENGTH = 6
_DASHES = str.maketrans({c: "-" for c in "‐‑‒–—―−ーｰ－"})
_TICKET = re.compile(r"^(?P<number>S\d+-\d{4,})(?:-(?P<check>[A-Z0-9]*))?$")
_CARD_URL = re.compile(r"/card/verify/(?P<token>[^/?#\s]+)/?$")

TICKET, CARD = "ticket", "card"


class ForgedCode(Exception):
    """A code that looks like ours but was not made by us (altered, made up, or unsigned)."""

    def __init__(
        self, message="このコードは確認できません(偽造・改変の疑いがあります)。受講票の番号と確認文字をご確認ください。"
    ):
        super().__init__(message)
        self.message = message


class UnknownCode(Exception):
    """Text that is neither a ticket's code nor a member card's."""

    message = "受講票・会員証のコードではありません。"


@dataclass(frozen=True)
class ReadCode:
    kind: str  # TICKET or CARD
    value: str  # the ticket number, or the card token


def check_characters(ticket_number):
    digest = salted_hmac(TICKET_SALT, ticket_number, algorithm="sha256").digest()
    value = int.from_bytes(digest[:8], "big")
    characters = []
    for _ in range(CHECK_LENGTH):
        value, index = divmod(value, len(CHECK_ALPHABET))
        characters.append(CHECK_ALPHABET[index])
    return "".join(characters)


def ticket_code(ticket_number):
    """What the ticket prints and its QR code carries: ``S12-0003-K7P2QX``."""
    return f"{ticket_number}-{check_characters(ticket_number)}"


def normalise(text):
    """Typed or scanned text as the codes are written: NFKC (full-width to half-width), dashes
    unified, no spaces, upper case."""
    text = unicodedata.normalize("NFKC", text or "").translate(_DASHES)
    return re.sub(r"\s+", "", text).upper()


def read_code(text):
    """The ticket number or card token in ``text``; ForgedCode or UnknownCode otherwise."""
    raw = (text or "").strip()
    card = _CARD_URL.search(raw)
    if card is not None:
        try:
            read_token(card["token"])
        except InvalidCardToken:
            raise ForgedCode("この会員証のQRコードは確認できません(偽造・改変の疑いがあります)。") from None
        return ReadCode(CARD, card["token"])
    code = normalise(raw)
    match = _TICKET.match(code)
    if match is None:
        raise UnknownCode
    number, check = match["number"], match["check"] or ""
    if not check:
        raise ForgedCode(
            "確認文字のない受講票番号です。受講票に印刷された「受付コード」(末尾の6文字まで)を入力してください。"
        )
    if not constant_time_compare(check, check_characters(number)):
        raise ForgedCode
    return ReadCode(TICKET, number)
