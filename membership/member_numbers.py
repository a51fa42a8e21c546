"""Member numbers as staff type them in spreadsheets: the one owner of the rule.

A member number is a string that keeps its leading zeros (``0030002``). Staff's spreadsheets
lose them (Excel stores ``30002`` typed into a General cell as a number) or carry full-width
digits. ``normalize_member_number`` gives the stored form: what the login's
``normalize_login_id`` does (full-width digits and letters to half-width, surrounding spaces
off), then an all-digit number shorter than ``settings.MEMBER_NUMBER_DIGITS`` (7; 0 turns the
padding off) padded with zeros to that width.

The members' own login form does not pad: the guide asks members to type the zeros, and there
``12345`` is another login id than ``0012345`` (tests/membership/test_login.py).

Two numbers that differ only by leading zeros (``0035002`` and ``00035002``, or ``035002``
stored before the width was fixed) are never two members: ``lookalikes`` finds the member a
number probably means, so that the imports name it instead of creating a second one.
"""

import re
import unicodedata

from django.conf import settings
from django.db.models.functions import Length

from .accounts import normalize_login_id
from .models import Member

QUERY_CHUNK = 2000


def member_number_digits():
    return getattr(settings, "MEMBER_NUMBER_DIGITS", 7)


def normalize_member_number(value, *, width=None):
    """The stored form of a typed member number: ``３０００２`` / ``30002`` → ``0030002``.
    ``width``: MEMBER_NUMBER_DIGITS, read once by callers that normalise a whole file."""
    width = member_number_digits() if width is None else width
    if value.__class__ is str and len(value) == width and value.isdigit() and value.isascii():
        return value  # the common case, already stored form (a file of 20,000 rows asks 20,000 times)
    text = normalize_login_id(value)
    if width and len(text) < width and text.isdigit() and text.isascii():
        return text.zfill(width)
    return text


def zeros_key(number):
    """What is left of an all-digit number without its leading zeros (``0035002`` → ``35002``);
    None for a number with letters (guest numbers)."""
    if not (number and number.isascii() and number.isdigit()):
        return None
    return number.lstrip("0") or "0"


def lookalikes(numbers, *, columns=("id", "member_number")):
    """{number: the member (dict of ``columns``) whose number differs from it only by leading
    zeros} for those of ``numbers`` that have one. Meant for numbers that matched no member.

    Two small queries: the fixed-width forms of the numbers of another width, and the all-digit
    numbers of another width stored (normally none: stored before the width was fixed).
    """
    width = member_number_digits()
    digits = [number for number in numbers if number.isdigit() and number.isascii()]
    if not digits:
        return {}
    columns = list(dict.fromkeys(["member_number", *columns]))
    members = Member.objects.exclude(status=Member.Status.GUEST).order_by("member_number")
    found = {}  # stored number → row
    if width:
        # A number in the fixed width is the only fixed-width number with its zeros key.
        fixed = sorted(
            {key.zfill(width) for key in map(zeros_key, (n for n in digits if len(n) != width)) if len(key) <= width}
        )
        for start in range(0, len(fixed), QUERY_CHUNK):
            for row in members.filter(member_number__in=fixed[start : start + QUERY_CHUNK]).values(*columns):
                found[row["member_number"]] = row
        others = members.annotate(number_length=Length("member_number")).exclude(number_length=width)
    else:
        others = members
    for row in others.filter(member_number__regex=r"^[0-9]+$").values(*columns):
        found[row["member_number"]] = row
    if not found:
        return {}
    by_key = {}
    for number, row in sorted(found.items()):
        by_key.setdefault(zeros_key(number), row)
    result = {}
    for number in digits:
        row = by_key.get(zeros_key(number))
        if row is not None and row["member_number"] != number:
            result[number] = row
    return result


# A number written after a label (会員番号 0012345, 会員No.12345, No12345) in a transfer's text.
_LABELLED = re.compile(r"(?:会員番号|会員NO|会員|番号|NO)\s*[.:#＃-]?\s*([0-9]+)", re.IGNORECASE)
# Any run of digits that is not part of a year, a date or an amount (2025年度, 4月, 5,000円).
_RUN = re.compile(r"(?<![0-9,./])([0-9]+)(?![0-9,./]|\s*(?:年|月|日|円))")


def numbers_in_text(text, *, width=None):
    """The member numbers (stored form) a free text may name: a transfer's 通信欄, or a payer's
    name with the number in front (``0012345ﾔﾏﾀﾞ ﾊﾅｺ``). Numbers after a label (会員番号, No.)
    when there are any, else every run of ``MEMBER_NUMBER_DIGITS`` digits that is not part of a
    year, date or amount.
    Candidates only: the caller keeps those that are members."""
    text = unicodedata.normalize("NFKC", text or "")
    if not any(ch.isdigit() for ch in text):
        return []
    width = member_number_digits() if width is None else width
    # Without a label only a run of the full width counts (an address or phone number is no member number).
    runs = _LABELLED.findall(text) or [run for run in _RUN.findall(text) if len(run) == width or not width]
    return list(dict.fromkeys(normalize_member_number(run, width=width) for run in runs))
