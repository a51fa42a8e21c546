"""キャンセル待ち in the members area and the admin: joining from the seminar list, the place in
line and leaving on the participation list, the offer page (only the member's own), and the
staff's listing per session, offer by hand and the seminar form raising a capacity."""

import re

import pytest
from django.urls import reverse

from renewal import waiting_list
from renewal.models import Registration, WaitlistEntry
from renewal.registrations import cancel_registration, register
from tests.factories import MemberFactory, user_in
from tests.renewal.factories import SessionFactory
from tests.renewal.test_admin import inline_form
from tests.two_factor import log_in_staff

pytestmark = pytest.mark.django_db

WAITLIST = "wagtailsnippets_renewal_waitlistentry"
SEMINARS = "wagtailsnippets_renewal_seminar"


def full_session(capacity=1, **kwargs):
    session = SessionFactory(capacity=capacity, **kwargs)
    holders = [MemberFactory() for _ in range(capacity)]
    for holder in holders:
        register(member=holder, session=session, participation_format="onsite")
    return session, holders


def free_a_seat(holder):
    cancel_registration(member=holder, registration_id=Registration.objects.get(member=holder, state="applied").pk)


def test_a_full_session_offers_the_waiting_list_and_the_participation_list_shows_the_place(member_client, member):
    session, _ = full_session()
    waiting_list.join(member=MemberFactory(), session=session)
    listing = member_client.get(reverse("renewal:seminars")).content.decode()
    assert "定員に達しました" in listing and "キャンセル待ちに登録" in listing

    response = member_client.post(reverse("renewal:waitlist_join", args=[session.pk]))
    assert response.status_code == 302
    page = member_client.get(reverse("renewal:participations")).content.decode()
    assert "キャンセル待ち" in page and "2番目" in page
    assert "キャンセル待ち中" in member_client.get(reverse("renewal:seminars")).content.decode()

    entry = WaitlistEntry.objects.get(member=member)
    member_client.post(reverse("renewal:waitlist_leave", args=[entry.pk]))
    entry.refresh_from_db()
    assert entry.state == WaitlistEntry.State.LEFT
    assert "2番目" not in member_client.get(reverse("renewal:participations")).content.decode()


def test_an_offered_seat_shows_to_its_member_as_an_offer_and_to_others_as_taken(member_client, member, client):
    session, (holder,) = full_session()
    entry = waiting_list.join(member=member, session=session)
    waiting_list.join(member=MemberFactory(), session=session)
    free_a_seat(holder)  # the seat goes to the first in line as an offer
    listing = member_client.get(reverse("renewal:seminars")).content.decode()
    assert "席のご案内があります" in listing and reverse("renewal:waitlist_offer", args=[entry.pk]) in listing
    other = MemberFactory()
    client.force_login(other.user)
    listing = client.get(reverse("renewal:seminars")).content.decode()
    assert "定員に達しました" in listing and "席のご案内" not in listing


def test_joining_a_session_with_seats_is_refused_with_a_message(member_client, member):
    session = SessionFactory(capacity=5)
    response = member_client.post(reverse("renewal:waitlist_join", args=[session.pk]), follow=True)
    assert "空席があります" in response.content.decode()
    assert not WaitlistEntry.objects.exists()


def test_the_member_accepts_the_offered_seat_from_the_mailed_link(member_client, member):
    session, (holder,) = full_session(fee_member=2000)
    entry = waiting_list.join(member=member, session=session)
    free_a_seat(holder)
    url = reverse("renewal:waitlist_offer", args=[entry.pk])
    page = member_client.get(url).content.decode()
    assert "回答期限" in page and "2,000円" in page and "申し込む" in page
    response = member_client.post(url, {"answer": "accept", "participation_format": "onsite"})
    assert response.status_code == 302
    registration = Registration.objects.get(member=member, state="applied")
    assert registration.invoice.amount == 2000
    page = member_client.get(reverse("renewal:participations")).content.decode()
    assert registration.ticket_number in page or "支払手続き" in page


def test_the_dashboard_tells_of_an_offered_seat_until_it_is_answered(member_client, member):
    session, (holder,) = full_session()
    entry = waiting_list.join(member=member, session=session)
    assert "キャンセル待ちの席" not in member_client.get(reverse("member:dashboard")).content.decode()
    free_a_seat(holder)
    page = member_client.get(reverse("member:dashboard")).content.decode()
    assert "キャンセル待ちの席をご案内しています" in page
    assert reverse("renewal:waitlist_offer", args=[entry.pk]) in page
    waiting_list.accept(member=member, entry_id=entry.pk, participation_format="onsite")
    assert "キャンセル待ちの席" not in member_client.get(reverse("member:dashboard")).content.decode()


def test_the_member_declines_and_the_next_is_offered(member_client, member):
    session, (holder,) = full_session()
    entry = waiting_list.join(member=member, session=session)
    other = MemberFactory()
    waiting_list.join(member=other, session=session)
    free_a_seat(holder)
    member_client.post(reverse("renewal:waitlist_offer", args=[entry.pk]), {"answer": "decline"})
    assert WaitlistEntry.objects.get(member=other).state == WaitlistEntry.State.OFFERED


def test_another_members_offer_and_waiting_entry_are_not_found(client, member):
    session, (holder,) = full_session()
    entry = waiting_list.join(member=member, session=session)
    free_a_seat(holder)
    intruder = MemberFactory()
    client.force_login(intruder.user)
    assert client.get(reverse("renewal:waitlist_offer", args=[entry.pk])).status_code == 404
    url = reverse("renewal:waitlist_offer", args=[entry.pk])
    assert client.post(url, {"answer": "accept", "participation_format": "onsite"}).status_code == 404
    assert client.post(reverse("renewal:waitlist_leave", args=[entry.pk])).status_code == 404
    entry.refresh_from_db()
    assert entry.state == WaitlistEntry.State.OFFERED
    assert not Registration.objects.filter(member=intruder).exists()


def test_the_participation_list_queries_do_not_grow_with_waiting_entries(
    member_client, member, django_assert_max_num_queries
):
    def waits(count):
        for _ in range(count):
            session, _ = full_session()
            waiting_list.join(member=member, session=session)

    waits(1)
    with django_assert_max_num_queries(30) as few:
        member_client.get(reverse("renewal:participations"))
    waits(8)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = member_client.get(reverse("renewal:participations")).content.decode()
    assert page.count("waiting-entry") == 9


# --- admin ---------------------------------------------------------------------------------------


def test_staff_see_the_waiting_list_per_session_and_offer_by_hand(staff_client, staff_user):
    session, (holder,) = full_session()
    first, second = MemberFactory(), MemberFactory()
    waiting_list.join(member=first, session=session)
    later = waiting_list.join(member=second, session=session)
    listing = staff_client.get(reverse(f"{WAITLIST}:list"), {"session": session.pk}).content.decode()
    assert first.member_number in listing and "1番目" in listing and "2番目" in listing
    headings = [re.sub(r"<[^>]+>|\s+", "", cell) for cell in re.findall(r"<th[^>]*>(.*?)</th>", listing, re.S)]
    assert "会員番号" in headings and "会員会員番号" not in headings
    # An entry changes only through its actions: its menu has no 編集 that would open 詳細 again.
    row_menu = listing[listing.index("<tbody>") :]
    assert "詳細" in row_menu and "履歴" in row_menu and "編集" not in row_menu
    seminar_page = staff_client.get(reverse(f"{SEMINARS}:inspect", args=[session.seminar_id])).content.decode()
    assert f"{reverse(f'{WAITLIST}:list')}?seminar={session.seminar_id}" in seminar_page
    other_seminar = staff_client.get(reverse(f"{WAITLIST}:list"), {"seminar": SessionFactory().seminar_id})
    assert first.member_number not in other_seminar.content.decode()

    offer_url = reverse(f"{WAITLIST}:offer", args=[later.pk])
    assert "空席がありません" in staff_client.get(offer_url).content.decode()
    session.capacity = 2
    session.save()
    response = staff_client.post(offer_url)
    assert response.status_code == 302
    later.refresh_from_db()
    assert (later.state, later.offered_by) == (WaitlistEntry.State.OFFERED, staff_user)
    inspect = staff_client.get(reverse(f"{WAITLIST}:inspect", args=[later.pk])).content.decode()
    assert "案内中" in inspect


def test_raising_the_capacity_on_the_seminar_form_offers_the_seats(staff_client):
    session, _ = full_session()
    waiter = MemberFactory()
    waiting_list.join(member=waiter, session=session)
    seminar = session.seminar
    data = inline_form(
        sessions=[{"id": str(session.pk), "title": session.title, "capacity": "2", "fee_member": "0"}],
        title=seminar.title,
        starts_on=seminar.starts_on.isoformat(),
        ends_on=seminar.ends_on.isoformat(),
        application_opens_on=seminar.application_opens_on.isoformat(),
        application_closes_on=seminar.application_closes_on.isoformat(),
    )
    response = staff_client.post(reverse(f"{SEMINARS}:edit", args=[seminar.pk]), data)
    assert response.status_code == 302
    assert WaitlistEntry.objects.get(member=waiter).state == WaitlistEntry.State.OFFERED


def test_an_editor_reaches_no_waiting_list(client):
    editor = log_in_staff(client, user_in("編集者", username="editor-w"))
    assert editor.get(reverse(f"{WAITLIST}:list")).status_code in (302, 403)
