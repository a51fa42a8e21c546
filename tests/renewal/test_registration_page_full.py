"""参加申込 of a session that filled up (a link, or a page opened before the last seat went): the
page said 「定員に達したため、お申し込みいただけません。」 and offered only the way back, while the
seminar list offers the waiting list. It offers キャンセル待ちに登録 (or says the member waits)."""

import pytest
from django.urls import reverse

from renewal import waiting_list
from renewal.models import WaitlistEntry
from tests.factories import MemberFactory
from tests.renewal.test_waiting_list_pages import free_a_seat, full_session

pytestmark = pytest.mark.django_db


def test_the_application_page_of_a_full_session_offers_its_waiting_list(member_client, member):
    session, _ = full_session()
    url = reverse("renewal:registration_new", args=[session.pk])

    page = member_client.get(url).content.decode()

    assert "定員に達したため、お申し込みいただけません。" in page
    join = reverse("renewal:waitlist_join", args=[session.pk])
    assert f'action="{join}"' in page and "キャンセル待ちに登録" in page
    assert member_client.post(join).status_code == 302
    assert WaitlistEntry.objects.get(member=member).state == WaitlistEntry.State.WAITING

    page = member_client.get(url).content.decode()
    assert "このセッションのキャンセル待ちに登録済みです。" in page
    assert f'action="{join}"' not in page


def test_a_member_offered_the_freed_seat_may_apply_on_the_page(member_client, member):
    session, (holder,) = full_session()
    waiting_list.join(member=member, session=session)
    waiting_list.join(member=MemberFactory(), session=session)
    free_a_seat(holder)  # offered to the first in line: the member

    page = member_client.get(reverse("renewal:registration_new", args=[session.pk])).content.decode()
    assert "申込する" in page and "キャンセル待ちに登録" not in page


def test_an_open_session_shows_no_waiting_list(member_client):
    session, holders = full_session(capacity=2)
    free_a_seat(holders[0])
    page = member_client.get(reverse("renewal:registration_new", args=[session.pk])).content.decode()
    assert "キャンセル待ちに登録" not in page and "申込する" in page
