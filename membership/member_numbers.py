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

from django.conf import settings
from django.db.models.functions import Length

from .accounts import normalize_login_id
from .models import Member

QUERY_CHUNK = 2000


def member_number_digits():
    return getattr(settings, "MEMBER_NUMBER_DIGITS", 7)


def normalize_member_number(value):
    """The stored form of a typed member number: ``３０００２`` / ``30002`` → ``0030002``."""
    text = normalize_login_id(value)
    width = member_number_digits()
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

    Two small queries: the numbers in the fixed width, and the all-digit numbers of another
    width (normally none: those stored before the width was fixed, or typed with a zero too many).
    """
    by_key = {}
    for number in numbers:
        key = zeros_key(number)
        if key is not None:
            by_key.setdefault(key, []).append(number)
    if not by_key:
        return {}
    columns = list(dict.fromkeys(["member_number", *columns]))
    width = member_number_digits()
    members = Member.objects.exclude(status=Member.Status.GUEST).order_by("member_number")
    found = []
    if width:
        fixed = sorted({key.zfill(width) for key in by_key if len(key) <= width} - set(numbers))
        for start in range(0, len(fixed), QUERY_CHUNK):
            found.extend(members.filter(member_number__in=fixed[start : start + QUERY_CHUNK]).values(*columns))
        others = members.annotate(number_length=Length("member_number")).exclude(number_length=width)
    else:
        others = members
    others = others.filter(member_number__regex=r"^[0-9]+$")
    found.extend(row for row in others.values(*columns) if zeros_key(row["member_number"]) in by_key)
    result = {}
    for row in found:
        for number in by_key[zeros_key(row["member_number"])]:
            if row["member_number"] != number:
                result.setdefault(number, row)
    return result
