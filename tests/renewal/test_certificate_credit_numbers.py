"""The member number on the 出席証明書 credit form is read as the imports and the other staff
forms read it: a number without its leading zeros (as a certificate or a spreadsheet gives it)
found the member in the member search but was refused here (「会員番号 12345 の会員が見つかりません」)."""

import pytest
from django.urls import reverse

from renewal.models import Credit
from tests.factories import MemberFactory
from tests.renewal.test_admin import CREDITS, certificate_form

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("typed", ["40001", "４０００１", " 0040001 "])
def test_a_number_without_its_zeros_or_in_full_width_finds_the_member(staff_client, typed):
    sato = MemberFactory(user__username="0040001", family_name="佐藤")

    response = staff_client.post(reverse(f"{CREDITS}:add"), certificate_form(member_number=typed))

    assert response.status_code == 302, response.context["form"].errors
    assert Credit.objects.get().member == sato


def test_a_number_stored_before_the_width_was_fixed_still_matches_as_typed(staff_client):
    legacy = MemberFactory(user__username="036001")

    response = staff_client.post(reverse(f"{CREDITS}:add"), certificate_form(member_number="036001"))

    assert response.status_code == 302, response.context["form"].errors
    assert Credit.objects.get().member == legacy
