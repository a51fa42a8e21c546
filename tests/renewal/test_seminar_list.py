"""Guide 5 学会・セミナー一覧(申込受付中): open sessions, the member's action, search and pages."""

import pytest
from django.urls import reverse

from membership.models import Invoice
from renewal.models import Registration
from renewal.registrations import register
from tests.factories import MemberFactory, guest_member
from tests.renewal.factories import SeminarFactory, SessionFactory, days

pytestmark = pytest.mark.django_db

URL = reverse("renewal:seminars")


def listed_sessions(response):
    return [session.title for session in response.context["page_obj"].object_list]


def test_lists_sessions_open_today_that_admit_members(member_client):
    open_seminar = SeminarFactory(title="第91回日本消化器内視鏡技師学会", venue="奈良県コンベンションセンター")
    SessionFactory(seminar=open_seminar, title="内視鏡技師学会", points=10)
    SessionFactory(seminar=open_seminar, title="非会員向け講座", members_allowed=False)
    SessionFactory(seminar=SeminarFactory(application_opens_on=days(1)), title="まだ受付前")
    SessionFactory(
        seminar=SeminarFactory(application_closes_on=days(-1), application_opens_on=days(-9)), title="締切後"
    )
    SessionFactory(seminar=SeminarFactory(published=False), title="非公開")
    SessionFactory(seminar=SeminarFactory(application_closes_on=days(0)), title="本日締切")

    response = member_client.get(URL)
    assert response.status_code == 200
    assert sorted(listed_sessions(response)) == ["内視鏡技師学会", "本日締切"]
    body = response.content.decode()
    for text in [
        "学会・セミナー",
        "申込期間",
        "開催期間",
        "開催場所",
        "第91回日本消化器内視鏡技師学会",
        "必須",
        "会員,非会員",
    ]:
        assert text in body
    assert body.count("参加申込</a>") == 2


def test_shows_applied_and_full_instead_of_the_button(member_client, member):
    mine = SessionFactory(title="申込済のセッション")
    register(member=member, session=mine, participation_format=Registration.Format.ONSITE)
    full = SessionFactory(title="満席のセッション", capacity=1)
    register(member=MemberFactory(), session=full, participation_format=Registration.Format.ONSITE)
    SessionFactory(title="空きあり", capacity=5)

    body = member_client.get(URL).content.decode()
    assert "申込済" in body and "定員に達しました" in body
    assert body.count("参加申込</a>") == 1
    assert reverse("renewal:registration_new", args=[mine.pk]) not in body


def test_search_by_title_and_start_dates(member_client):
    SessionFactory(seminar=SeminarFactory(title="第91回日本消化器内視鏡技師学会", starts_on=days(30)), title="A")
    SessionFactory(seminar=SeminarFactory(title="近畿消化器内視鏡技師学会", starts_on=days(60)), title="B")
    SessionFactory(seminar=SeminarFactory(title="内視鏡機器講習会", starts_on=days(90)), title="C")

    assert listed_sessions(member_client.get(URL, {"title": "技師学会"})) == ["A", "B"]
    assert listed_sessions(member_client.get(URL, {"date_from": days(40).isoformat()})) == ["B", "C"]
    assert listed_sessions(member_client.get(URL, {"date_to": days(60).isoformat()})) == ["A", "B"]
    response = member_client.get(URL, {"title": "存在しない"})
    assert "検索条件に該当する学会・セミナーがありません" in response.content.decode()


def test_ten_rows_a_page_by_default_and_the_next_page_keeps_the_search(member_client):
    seminar = SeminarFactory(title="大規模学会")
    for n in range(25):
        SessionFactory(seminar=seminar, title=f"S{n:02d}", sort_order=n)
    response = member_client.get(URL, {"title": "大規模"})
    assert len(listed_sessions(response)) == 10
    body = response.content.decode()
    assert "25件中1-10件を表示" in body
    assert "?title=%E5%A4%A7%E8%A6%8F%E6%A8%A1&amp;page=2" in body
    assert listed_sessions(member_client.get(URL, {"title": "大規模", "page": 3})) == [f"S{n}" for n in range(20, 25)]
    assert len(listed_sessions(member_client.get(URL, {"per_page": 20}))) == 20
    assert len(listed_sessions(member_client.get(URL, {"per_page": 50}))) == 25


def test_an_invalid_date_is_reported_not_a_crash(member_client):
    SessionFactory(title="A")
    response = member_client.get(URL, {"date_from": "2025-13-45"})
    assert response.status_code == 200
    assert listed_sessions(response) == ["A"]
    assert "日付を正しく入力してください" in response.content.decode() or response.context["form"].errors


@pytest.mark.parametrize("rows", [5, 50])
def test_query_count_does_not_depend_on_rows(member_client, member, django_assert_num_queries, rows):
    for n in range(rows):
        session = SessionFactory(capacity=3 if n % 2 else None, fee_member=1000 * (n % 3))
        if n % 4 == 0:
            register(member=member, session=session, participation_format=Registration.Format.ONSITE)
    member_client.get(URL)  # warm up anything cached per process (settings, site)
    # session, user with member; the page of rows, which fit on it, so no count; the seats of its
    # rows (the layout's site and society settings and the menu's open 更新延長 programmes come
    # from the cache)
    with django_assert_num_queries(4):
        response = member_client.get(URL, {"per_page": 50})
    assert len(listed_sessions(response)) == rows
    assert f"{rows}件中1-{rows}件を表示" in response.content.decode()


def test_the_menu_links_to_the_list(member_client):
    body = member_client.get(reverse("member:dashboard")).content.decode()
    assert "学会・セミナー一覧" in body and URL in body
    assert "学会・セミナー参加一覧" in body and reverse("renewal:participations") in body


def test_confirm_page_shows_the_fee_and_the_formats_and_applies(member_client, member):
    seminar = SeminarFactory(title="第91回日本消化器内視鏡技師学会", onsite=True, elearning=True)
    session = SessionFactory(seminar=seminar, title="内視鏡技師学会", fee_member=3000)
    url = reverse("renewal:registration_new", args=[session.pk])
    body = member_client.get(url).content.decode()
    assert "3,000円" in body and "会場" in body and "eラーニング" in body and "申込する" in body

    response = member_client.post(url, {"participation_format": "elearning"})
    assert response.status_code == 302 and response["Location"] == reverse("renewal:participations")
    registration = Registration.objects.get(member=member)
    assert registration.participation_format == "elearning"
    assert registration.invoice.category == Invoice.Category.SEMINAR_FEE
    page = member_client.get(response["Location"]).content.decode()
    assert "参加申込を受け付けました" in page and "参加費 3,000円のお支払い手続きをお願いします" in page
    assert reverse("member:payment_start", args=[registration.invoice_id]) in page


def test_confirm_page_refuses_a_format_the_seminar_does_not_offer(member_client, member):
    session = SessionFactory(seminar=SeminarFactory(onsite=True, elearning=False))
    response = member_client.post(
        reverse("renewal:registration_new", args=[session.pk]), {"participation_format": "elearning"}
    )
    assert response.status_code == 400
    assert not Registration.objects.exists()


def test_confirm_page_explains_a_refusal_without_a_button(member_client):
    session = SessionFactory(seminar=SeminarFactory(application_opens_on=days(-9), application_closes_on=days(-1)))
    response = member_client.get(reverse("renewal:registration_new", args=[session.pk]))
    body = response.content.decode()
    assert "申込受付期間は終了しました" in body and "申込する" not in body
    response = member_client.post(
        reverse("renewal:registration_new", args=[session.pk]), {"participation_format": "onsite"}
    )
    assert response.status_code == 400 and not Registration.objects.exists()


def test_a_member_on_leave_is_told_why(client):
    member = MemberFactory(status="on_leave")
    client.force_login(member.user)
    session = SessionFactory()
    body = client.get(reverse("renewal:registration_new", args=[session.pk])).content.decode()
    assert "正会員の方のみお申し込みいただけます" in body


def test_unpublished_seminars_sessions_are_not_found(member_client):
    session = SessionFactory(seminar=SeminarFactory(published=False))
    assert member_client.get(reverse("renewal:registration_new", args=[session.pk])).status_code == 404


def test_login_required(client):
    response = client.get(URL)
    assert response.status_code == 302 and reverse("member:login") in response["Location"]


# --- guests (非会員): sessions that admit non-members, at the non-members' fee ----------------


def test_a_guest_sees_the_sessions_open_to_non_members_with_the_non_members_fee(client):
    seminar = SeminarFactory(title="内視鏡セミナー")
    SessionFactory(seminar=seminar, title="非会員も可", guests_allowed=True, fee_member=3000, fee_guest=6000)
    SessionFactory(seminar=seminar, title="会員のみ", guests_allowed=False, fee_member=3000)
    SessionFactory(seminar=seminar, title="非会員のみ", members_allowed=False, guests_allowed=True)
    client.force_login(guest_member().user)
    response = client.get(URL)
    assert sorted(listed_sessions(response)) == ["非会員のみ", "非会員も可"]
    body = response.content.decode()
    assert "参加費 6,000円" in body and "3,000円" not in body


def test_a_guest_applies_on_the_confirm_page_at_the_non_members_fee(client):
    guest = guest_member()
    session = SessionFactory(guests_allowed=True, fee_member=3000, fee_guest=6000)
    client.force_login(guest.user)
    url = reverse("renewal:registration_new", args=[session.pk])
    body = client.get(url).content.decode()
    assert "参加費(非会員)" in body and "6,000円" in body and "3,000円" not in body
    response = client.post(url, {"participation_format": "onsite"})
    assert response.status_code == 302
    registration = Registration.objects.get(member=guest)
    assert registration.invoice.amount == 6000
    assert (
        reverse("member:payment_start", args=[registration.invoice_id])
        in client.get(reverse("renewal:participations")).content.decode()
    )


def test_a_guest_is_told_a_members_only_session_is_not_for_them(client):
    session = SessionFactory(guests_allowed=False)
    client.force_login(guest_member().user)
    url = reverse("renewal:registration_new", args=[session.pk])
    assert "会員の方のみお申し込みいただけます" in client.get(url).content.decode()
    assert client.post(url, {"participation_format": "onsite"}).status_code == 400
    assert not Registration.objects.exists()


def test_a_member_still_sees_the_members_fee(member_client):
    session = SessionFactory(fee_member=3000, fee_guest=6000)
    body = member_client.get(reverse("renewal:registration_new", args=[session.pk])).content.decode()
    assert "参加費(会員)" in body and "3,000円" in body and "6,000円" not in body
