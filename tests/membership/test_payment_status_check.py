"""「状態を確認する」 on the payment page always tells the member what the gateway said (issue 13, item 1)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import InvoiceFactory

from .test_payments import decide, pay_by_card

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("gateway_loop")]


@pytest.fixture
def invoice(member):
    member.profile_saved_at = timezone.now()
    member.save()
    return InvoiceFactory(member=member, fiscal_year=2025)


def check_status(member_client, payment):
    response = member_client.post(
        reverse("member:payment", args=[payment.order_id]), {"action": "refresh"}, follow=True
    )
    return response.content.decode()


def test_before_the_gateway_saw_the_attempt_the_check_says_so(member_client, invoice):
    payment = decide(member_client, invoice, "card")
    page = check_status(member_client, payment)
    assert "決済会社ではまだお支払い手続きが始まっていません" in page


def test_after_paying_the_check_says_nothing_changed(member_client, invoice, django_capture_on_commit_callbacks):
    def commit():
        return django_capture_on_commit_callbacks(execute=True)

    payment = pay_by_card(member_client, invoice, commit)
    page = check_status(member_client, payment)
    assert "決済会社に確認しました。状態は変わっていません" in page


def test_an_unreachable_gateway_is_reported(member_client, invoice, settings):
    payment = decide(member_client, invoice, "card")
    settings.GMO_API_URL = "http://127.0.0.1:9/sandbox-gateway/api"  # nothing listens there
    page = check_status(member_client, payment)
    assert "決済会社に状態を確認できませんでした" in page
