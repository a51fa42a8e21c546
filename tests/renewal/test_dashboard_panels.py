"""The dashboard's panels from renewal (membership.shell registry): the certification and how long
is left, the current cycle's points by category against the caps, the next registered seminars
and the renewal application in progress."""

import datetime
import re
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from membership.models import Member
from renewal.attendance import mark_attended
from renewal.dashboard import time_left
from renewal.models import ExtensionApplication, ExtensionProgramme, Registration
from renewal.registrations import cancel_registration, register
from renewal.renewals import approve_renewal, submit_renewal
from tests.factories import MemberFactory, StaffUserFactory, guest_member
from tests.renewal.factories import SeminarFactory, SessionFactory, days
from tests.renewal.factories import give_certificates as give

pytestmark = pytest.mark.django_db

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
NOW = datetime.datetime(2026, 6, 1, 10, 0, tzinfo=TOKYO)
EXPIRY = datetime.date(2028, 3, 31)  # cycle 2023-04-01 .. 2028-03-31
DASHBOARD = reverse("member:dashboard")
ENGI, DEVICE, MEDICAL = "技師学会・研究会", "機器講習会", "医学・その他セミナー"


@pytest.fixture(autouse=True)
def fixed_now():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def text_of(response):
    body = response.content.decode()
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", body, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def panel(response, css_class):
    """The HTML of one panel (a <section class="dash-panel css_class">)."""
    found = re.search(rf'<section class="dash-panel {css_class}".*?</section>', response.content.decode(), re.S)
    assert found, css_class
    return found.group(0)


def panel_text(response, css_class):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", panel(response, css_class))).strip()


def test_time_left_in_words():
    today = datetime.date(2026, 6, 1)
    assert time_left(today, datetime.date(2028, 3, 31)) == "あと1年9か月"
    assert time_left(today, datetime.date(2027, 6, 1)) == "あと1年"
    assert time_left(today, datetime.date(2026, 6, 26)) == "あと25日"
    assert time_left(today, datetime.date(2026, 8, 31)) == "あと2か月"
    assert time_left(today, today) == "本日まで"
    assert time_left(today, datetime.date(2026, 5, 22)) == "有効期限を10日過ぎています"


def test_certification_expiry_and_how_long_is_left(client):
    member = MemberFactory(certification_number="G-000777", certification_expires_on=EXPIRY)
    client.force_login(member.user)
    response = client.get(DASHBOARD)
    text = panel_text(response, "dash-certification")
    assert "G-000777" in text
    assert "2028年3月31日" in text and "あと1年9か月" in text and "(669日)" in text
    # The application window (12 months by default) opens on 2027-03-31.
    assert "資格更新申請は2027年3月31日から受け付けます。" in text
    assert reverse("renewal:renewal") in panel(response, "dash-certification")


def test_certification_inside_the_renewal_window_says_so(client):
    member = MemberFactory(certification_expires_on=datetime.date(2026, 12, 31))
    client.force_login(member.user)
    text = panel_text(client.get(DASHBOARD), "dash-certification")
    assert "あと6か月" in text and "資格更新申請の受付期間中です。" in text


def test_points_by_category_against_the_caps_with_text_and_a_bar(client):
    member = MemberFactory(certification_expires_on=EXPIRY)
    give(member, {ENGI: 40, DEVICE: 4, MEDICAL: 2})
    give(member, {MEDICAL: 30}, day=datetime.date(2023, 3, 31))  # before the cycle: does not count
    client.force_login(member.user)
    response = client.get(DASHBOARD)
    html = panel(response, "dash-points")
    text = panel_text(response, "dash-points")
    assert "総得点 26 / 50点" in text and "あと24点必要です。" in text
    assert "技師学会・研究会 20 / 20点 上限" in text and "獲得 40点(上限 20点まで加算)" in text
    assert "機器講習会 4 / 10点" in text and "医学・その他セミナー 2 / 20点" in text
    # A bar per category (decorative: the numbers are written beside it), filled to the share counted.
    fills = re.findall(r'<rect class="dash-bar-fill" width="(\d+)"', html)
    assert fills == ["52", "100", "40", "10"]
    assert html.count('aria-hidden="true"') == 4
    assert reverse("renewal:credits") in html


def test_a_qualifying_member_sees_that_the_points_are_enough(client):
    member = MemberFactory(certification_expires_on=EXPIRY)
    give(member, {ENGI: 20, DEVICE: 10, MEDICAL: 20})
    client.force_login(member.user)
    response = client.get(DASHBOARD)
    text = panel_text(response, "dash-points")
    assert "総得点 50 / 50点" in text and "更新に必要な点数を満たしています。" in text
    assert "必要です" not in text
    assert "更新に必要な点数が不足しています" not in text_of(response)  # no shortfall notice either


def test_next_registered_seminars_soonest_first_with_an_unpaid_fee_pointed_out(client):
    member = MemberFactory(certification_expires_on=EXPIRY)

    def apply(title, starts_in, **session):
        seminar = SeminarFactory(title=title, starts_on=days(starts_in), ends_on=days(starts_in))
        return register(
            member=member, session=SessionFactory(seminar=seminar, **session), participation_format="onsite"
        )

    apply("第3回 まだ先の研究会", 80)
    apply("第1回 近い研究会", 10, fee_member=3000)
    apply("第2回 その次の研究会", 40)
    apply("第4回 四つ目の研究会", 90)
    cancelled = apply("取り消した研究会", 5)
    cancel_registration(member=member, registration_id=cancelled.pk)
    attended = apply("参加済の研究会", 0)  # held today: attended (a session not held yet cannot be)
    mark_attended(registration=attended)
    past = apply("終わった研究会", 20)
    Registration.objects.filter(pk=past.pk).update(session=SessionFactory(seminar=SeminarFactory(
        starts_on=days(-3), ends_on=days(-2), application_opens_on=days(-30), application_closes_on=days(-5)
    )))  # fmt: skip

    client.force_login(member.user)
    response = client.get(DASHBOARD)
    text = panel_text(response, "dash-seminars")
    titles = re.findall(r"(第\d回 \S+研究会)", text)
    assert titles == ["第1回 近い研究会", "第2回 その次の研究会", "第3回 まだ先の研究会"]
    assert "参加費 未納" in text and "ほかにもお申し込みがあります。" in text
    assert "取り消した" not in text and "参加済" not in text and "終わった" not in text
    assert reverse("renewal:participations") in panel(response, "dash-seminars")


def test_renewal_application_in_progress_says_where_it_stands(client):
    member = MemberFactory(certification_expires_on=datetime.date(2026, 12, 31))
    give(member, {ENGI: 20, DEVICE: 10, MEDICAL: 20})
    application = submit_renewal(member=member)
    client.force_login(member.user)
    text = panel_text(client.get(DASHBOARD), "dash-applications")
    assert "資格更新申請" in text and "事務局確認中" in text and "2026/6/1 申請" in text

    approve_renewal(application_id=application.pk, user=StaffUserFactory())
    programme = ExtensionProgramme.objects.create(
        name="令和8年豪雨に伴う更新延長措置",
        expires_from=datetime.date(2026, 1, 1),
        expires_until=datetime.date(2027, 12, 31),
        applications_close_on=datetime.date(2026, 9, 30),
    )
    ExtensionApplication.objects.create(
        programme=programme, member=member, reason="被災のため", expires_on=member.certification_expires_on
    )
    response = client.get(DASHBOARD)
    rows = re.findall(
        r'<li class="dash-row application-in-progress">(.*?)</li>', panel(response, "dash-applications"), re.S
    )
    texts = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in rows]
    assert texts == [
        "資格更新申請 2026/6/1 申請 申請確認完了(更新料のお支払いをお待ちしています)",
        "更新延長申請 令和8年豪雨に伴う更新延長措置 2026/6/1 申請 事務局確認中",
    ]
    assert reverse("renewal:extension") in panel(response, "dash-applications")
    # The renewal fee is an unpaid invoice like any other.
    assert "更新料" in panel_text(response, "dash-unpaid")


def test_guests_see_their_seminars_and_fees_but_not_certification_points_or_applications(client):
    guest = guest_member()
    seminar = SeminarFactory(title="第91回日本消化器内視鏡技師学会")
    register(member=guest, session=SessionFactory(seminar=seminar, fee_guest=6000), participation_format="onsite")
    client.force_login(guest.user)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    assert "第91回日本消化器内視鏡技師学会" in panel_text(response, "dash-seminars")
    assert "点" not in panel_text(response, "dash-seminars")  # guests earn no points
    assert "6,000円" in panel_text(response, "dash-unpaid")
    body = response.content.decode()
    for absent in ("dash-certification", "dash-points", "dash-applications"):
        assert absent not in body, absent
    assert "ゲストユーザー番号" in body and guest.member_number in body


def test_members_no_longer_members_see_no_points_panel(client):
    member = MemberFactory(certification_expires_on=EXPIRY, status=Member.Status.WITHDRAWN)
    client.force_login(member.user)
    body = client.get(DASHBOARD).content.decode()
    assert "dash-certification" in body and "dash-points" not in body


def test_a_member_without_a_certification_is_told_so(client):
    member = MemberFactory(certification_expires_on=None)
    client.force_login(member.user)
    response = client.get(DASHBOARD)
    assert "技師認定の情報が登録されていません" in panel_text(response, "dash-certification")
    assert "認定情報(認定有効期限)がありません" in panel_text(response, "dash-points")
