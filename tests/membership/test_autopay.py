"""自動継続: registering, replacing and stopping the card on file from 会費支払い明細.

The gateway is our sandbox, reached over HTTP in-process (``gateway_loop``): the member types
the card into the sandbox's page, and our side only ever learns what SearchCard reports.
"""

import pytest
from django.test import Client
from django.urls import reverse
from wagtail.models import ModelLogEntry

from gateway_sandbox.models import SandboxCard
from membership.billing.autopay import gateway_member_id
from membership.models import AutoPay
from tests.factories import InvoiceFactory, MemberFactory
from tests.membership.autopay_helpers import CARD_DECLINED, register_card

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("gateway_loop")]


def test_registering_a_card_shows_it_masked_with_its_expiry(member, member_client):
    page = register_card(member_client, expiry="04/31").content.decode()

    autopay = AutoPay.objects.get(member=member)
    assert autopay.state == AutoPay.State.ACTIVE
    assert autopay.card_number_masked == "************1111"
    assert autopay.card_expire == "3104"
    assert "************1111" in page and "2031年4月" in page
    assert "自動払いを停止する" in page
    # The card number itself is stored only at the gateway, under our member id.
    card = SandboxCard.objects.get(member__member_id=gateway_member_id(member))
    assert card.card_number == "4111111111111111"
    assert ModelLogEntry.objects.filter(action="membership.autopay.started", object_id=str(autopay.pk)).exists()


def test_replacing_the_card_keeps_automatic_payment_with_the_new_card(member, member_client):
    register_card(member_client)
    page = register_card(member_client, number=CARD_DECLINED, expiry="01/33").content.decode()

    autopay = AutoPay.objects.get(member=member)
    assert autopay.state == AutoPay.State.ACTIVE
    assert (autopay.card_number_masked, autopay.card_expire) == ("************0002", "3301")
    assert "************0002" in page and "************1111" not in page
    # Replaced at the gateway: one card on file, not two.
    assert SandboxCard.objects.filter(member__member_id=gateway_member_id(member), deleted=False).count() == 1


def test_stopping_deletes_the_card_at_the_gateway(member, member_client):
    register_card(member_client)

    page = member_client.post(reverse("member:autopay_stop"), follow=True).content.decode()

    autopay = AutoPay.objects.get(member=member)
    assert autopay.state == AutoPay.State.STOPPED and autopay.card_number_masked == ""
    assert "会費の自動払いを停止しました" in page and "カードを登録する" in page
    assert not SandboxCard.objects.filter(member__member_id=gateway_member_id(member), deleted=False).exists()


def test_leaving_the_gateway_page_without_a_card_registers_nothing(member, member_client):
    member_client.post(reverse("member:autopay_card"))
    page = member_client.get(reverse("member:autopay_confirm"), follow=True).content.decode()
    assert "カードは登録されませんでした" in page
    assert AutoPay.objects.get(member=member).state == AutoPay.State.REGISTERING


def test_another_member_cannot_see_or_stop_my_card(member, member_client):
    register_card(member_client)
    other = MemberFactory()
    other_client = Client()
    other_client.force_login(other.user)

    page = other_client.get(reverse("member:dues")).content.decode()
    assert "1111" not in page and "カードを登録する" in page
    response = other_client.post(reverse("member:autopay_stop"), follow=True)
    assert "自動払いは登録されていません" in response.content.decode()
    assert AutoPay.objects.get(member=member).state == AutoPay.State.ACTIVE


def test_the_dues_page_queries_stay_constant_with_more_history(member, member_client, django_assert_max_num_queries):
    register_card(member_client)
    for year in range(2015, 2018):
        InvoiceFactory(member=member, fiscal_year=year)
    with django_assert_max_num_queries(25) as few:
        member_client.get(reverse("member:dues"))
    for year in range(2000, 2015):
        InvoiceFactory(member=member, fiscal_year=year)
    with django_assert_max_num_queries(len(few.captured_queries)):
        member_client.get(reverse("member:dues"))
