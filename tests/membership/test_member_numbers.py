"""Member numbers as staff type them in spreadsheets (``membership.member_numbers``): Excel's
dropped zeros put back to the fixed width, and numbers that differ only by leading zeros."""

import pytest

from membership.member_numbers import lookalikes, normalize_member_number, numbers_in_text
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("30002", "0030002"),  # Excel dropped the zeros
        ("３０００２", "0030002"),  # full-width digits
        ("　0030002 ", "0030002"),
        ("0030002", "0030002"),
        ("00300021", "00300021"),  # longer than the width: as typed
        ("A30002", "A30002"),  # not all digits: as typed
        ("g0000001", "G0000001"),  # a guest number, as the login reads it
    ],
)
def test_normalize_member_number(typed, stored):
    assert normalize_member_number(typed) == stored


def test_the_width_is_a_setting(settings):
    settings.MEMBER_NUMBER_DIGITS = 8
    assert normalize_member_number("30002") == "00030002"
    settings.MEMBER_NUMBER_DIGITS = 0
    assert normalize_member_number("30002") == "30002"


def test_lookalikes_are_numbers_differing_only_by_leading_zeros():
    standard = MemberFactory(user__username="0035002", family_name="山田", given_name="花子")
    legacy = MemberFactory(user__username="036001", family_name="佐藤", given_name="健")  # before the width
    MemberFactory(user__username="0037001")

    found = lookalikes(["00035002", "0036001", "0037001", "0038001"], columns=["id", "family_name"])

    assert found == {
        "00035002": {"member_number": "0035002", "id": standard.pk, "family_name": "山田"},
        "0036001": {"member_number": "036001", "id": legacy.pk, "family_name": "佐藤"},
    }  # never the number itself (0037001), nothing for 0038001


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("会員番号 201 2025年度会費", ["0000201"]),  # after a label: zeros put back, the year left alone
        ("会員番号：００１２３４５", ["0012345"]),  # full-width, as typed at the post-office counter
        ("会員No.12345", ["0012345"]),
        ("0012345ﾔﾏﾀﾞ ﾊﾅｺ", ["0012345"]),  # in front of the payer's name
        ("2025年度 会費 5,000円 0012345", ["0012345"]),
        ("2025年度会費 4月30日", []),  # years, dates and amounts are no member numbers
        ("ﾄｳｷﾖｳﾄ 1-2-3 0312345678", []),  # without a label only the full width counts
        ("", []),
    ],
)
def test_member_numbers_in_a_transfer_text(text, numbers):
    assert numbers_in_text(text) == numbers
