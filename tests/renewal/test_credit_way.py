"""Guide 9, the way to renewal: where a member is short, 受講履歴ポイント照会 lists the open sessions
that would close the gap, category by category within the caps, soonest first, with the points
each would add and a link to apply; a member who qualifies sees that they do."""

import datetime
import re
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from membership.models import Member
from renewal import waiting_list
from renewal.attendance import award_credit
from renewal.credits import evaluate, way_to_renewal
from renewal.models import Credit, CreditCategory, Registration, WaitlistEntry
from renewal.registrations import cancel_registration, register
from tests.factories import MemberFactory
from tests.renewal.factories import SeminarFactory, SessionFactory, days
from tests.renewal.factories import give_certificates as give

pytestmark = pytest.mark.django_db

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
NOW = datetime.datetime(2026, 6, 1, 10, 0, tzinfo=TOKYO)
EXPIRY = datetime.date(2028, 3, 31)  # cycle 2023-04-01 .. 2028-03-31
URL = reverse("renewal:credits")
ENGI, DEVICE, MEDICAL = "技師学会・研究会", "機器講習会", "医学・その他セミナー"  # caps 20, 10, 20


@pytest.fixture(autouse=True)
def fixed_now():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def open_session(title, category_name, points, starts_in, *, seminar=None, **fields):
    seminar = SeminarFactory(title=title, starts_on=days(starts_in), ends_on=days(starts_in), **(seminar or {}))
    return SessionFactory(
        seminar=seminar,
        title=f"{title}のセッション",
        points=points,
        credit_category=CreditCategory.objects.get(name=category_name),
        **fields,
    )


def way_section(response):
    found = re.search(r'<section class="credit-way".*?</section>\s*(?=<form)', response.content.decode(), re.S)
    return found.group(0) if found else ""


def text(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def suggested_titles(html, category_name):
    """The seminar titles suggested under ``category_name``, in order."""
    block = re.search(rf"<h3[^>]*>{category_name}<.*?</section>", html, re.S)
    assert block, category_name
    return re.findall(r'<p class="suggestion-title"[^>]*><time[^>]*>[^<]*</time> (\S+) ', block.group(0))


@pytest.fixture
def short_member(client):
    """技師学会・研究会 15 / 20, 機器講習会 5 / 10, 医学・その他セミナー 20 / 20: 40 / 50, 10 short."""
    member = MemberFactory(certification_expires_on=EXPIRY)
    give(member, {ENGI: 15, DEVICE: 5, MEDICAL: 20})
    client.force_login(member.user)
    return member


def test_open_sessions_close_the_gap_within_the_caps_soonest_first(client, short_member):
    later = open_session("第3回研究会", ENGI, 5, 60)
    soon = open_session("第1回研究会", ENGI, 10, 20)  # 10 points, 5 within the cap
    device = open_session("機器講習会A", DEVICE, 5, 30, requirement="optional")
    medical = open_session("医学セミナー", MEDICAL, 2, 10)  # 医学 is at its cap: nothing more counts
    # None of these can close the gap now:
    open_session(
        "締切済研究会", ENGI, 10, 15, seminar={"application_opens_on": days(-30), "application_closes_on": days(-1)}
    )
    open_session(
        "受付前研究会", ENGI, 10, 25, seminar={"application_opens_on": days(3), "application_closes_on": days(20)}
    )
    open_session("期限後研究会", ENGI, 10, 700)  # held after the expiry: counts in the next cycle
    open_session("非公開研究会", ENGI, 10, 12, seminar={"published": False})
    open_session("会員不可研究会", ENGI, 10, 12, members_allowed=False)
    registered = open_session("申込済研究会", ENGI, 10, 14)
    register(member=short_member, session=registered, participation_format="onsite")
    full = open_session("満席研究会", ENGI, 10, 16, capacity=1)
    register(member=MemberFactory(), session=full, participation_format="onsite")

    response = client.get(URL)
    html = way_section(response)
    assert "不足している点数を補えるセミナー" in html and "あと 10点 で更新条件を満たします" in text(html)
    assert suggested_titles(html, ENGI) == ["第1回研究会", "第3回研究会"]
    assert suggested_titles(html, DEVICE) == ["機器講習会A"]
    assert f'<h3 id="credit-way-{CreditCategory.objects.get(name=MEDICAL).pk}"' not in html
    assert "医学セミナー" not in html
    assert "医学・その他セミナーは加算上限に達しているため、受講しても総得点は増えません" in text(html)
    # The points each would add, counted within the cap, and the way to apply.
    engi_text = text(re.search(rf"<h3[^>]*>{ENGI}<.*?</section>", html, re.S).group(0))
    assert "あと5点まで加算できます(15 / 20点)" in engi_text
    assert "+5点 (セッション10点のうち、上限内の5点)" in engi_text
    for session in (soon, later, device):
        assert reverse("renewal:registration_new", args=[session.pk]) in html
    assert reverse("renewal:registration_new", args=[medical.pk]) not in html
    assert "受講で更新条件を満たします" not in html  # no single session closes a gap of 10


def test_a_category_that_reaches_its_cap_drops_out_of_the_suggestions(client, short_member):
    open_session("第1回研究会", ENGI, 10, 20)
    open_session("機器講習会A", DEVICE, 5, 30)
    before = way_section(client.get(URL))
    assert suggested_titles(before, ENGI) == ["第1回研究会"]

    give(short_member, {ENGI: 5})  # 技師学会・研究会 20 / 20: 45 / 50
    after = way_section(client.get(URL))
    assert "第1回研究会" not in after
    assert "技師学会・研究会、医学・その他セミナーは加算上限に達しているため" in text(after)
    assert suggested_titles(after, DEVICE) == ["機器講習会A"]
    assert "+5点 受講で更新条件を満たします" in text(after)


def test_a_category_with_room_but_no_open_session_says_so(client, short_member):
    html = way_section(client.get(URL))
    assert text(html).count("現在、この種別で申込受付中のセッションはありません。") == 2


def test_at_most_five_sessions_per_category_the_soonest(short_member):
    for n in range(7):
        open_session(f"研究会{n}", ENGI, 1, 40 - n)
    open_session("機器講習会A", DEVICE, 5, 90)
    way = way_to_renewal(member=short_member, evaluation=evaluate(short_member))
    engi, device = way.ways
    assert [suggestion.session.seminar.title for suggestion in engi.sessions] == [f"研究会{n}" for n in (6, 5, 4, 3, 2)]
    assert [suggestion.session.seminar.title for suggestion in device.sessions] == ["機器講習会A"]


def test_full_sessions_are_left_out_and_the_next_ones_take_their_places(short_member):
    taken = open_session("研究会満席", ENGI, 1, 10, capacity=1)
    register(member=MemberFactory(), session=taken, participation_format="onsite")
    offered = open_session("研究会案内中", ENGI, 1, 11, capacity=1)
    holder, first = MemberFactory(), MemberFactory()
    register(member=holder, session=offered, participation_format="onsite")
    waiting_list.join(member=first, session=offered)
    waiting_list.join(member=MemberFactory(), session=offered)
    cancel_registration(member=holder, registration_id=Registration.objects.get(member=holder).pk)
    assert WaitlistEntry.objects.get(member=first).state == WaitlistEntry.State.OFFERED  # holds the seat
    for n in range(6):
        open_session(f"研究会{n}", ENGI, 1, 20 + n)
    way = way_to_renewal(member=short_member, evaluation=evaluate(short_member))
    assert [suggestion.session.seminar.title for suggestion in way.ways[0].sessions] == [f"研究会{n}" for n in range(5)]


def test_a_session_already_credited_is_not_suggested_again(short_member):
    elearning = open_session("e-ラーニング_1", ENGI, 2, -10)  # started, still open for applications
    award_credit(member=short_member, session=elearning, source=Credit.Source.ATTENDANCE)
    other = open_session("e-ラーニング_2", ENGI, 2, -10)
    way = way_to_renewal(member=short_member, evaluation=evaluate(short_member))
    assert [suggestion.session for suggestion in way.ways[0].sessions] == [other]


def test_a_qualifying_member_sees_that_they_do(client):
    member = MemberFactory(certification_expires_on=EXPIRY)
    give(member, {ENGI: 40, DEVICE: 10, MEDICAL: 20})
    open_session("第1回研究会", ENGI, 10, 20)
    client.force_login(member.user)
    response = client.get(URL)
    body = response.content.decode()
    assert "更新に必要な点数を満たしています。" in body and reverse("renewal:renewal") in body
    assert way_section(response) == "" and "第1回研究会" not in body
    assert response.context["way"] is None


def test_a_member_on_leave_is_told_why_nothing_can_be_applied_for(client):
    member = MemberFactory(certification_expires_on=EXPIRY, status=Member.Status.ON_LEAVE)
    give(member, {ENGI: 10})
    session = open_session("第1回研究会", ENGI, 10, 20)
    client.force_login(member.user)
    html = way_section(client.get(URL))
    assert "正会員の方のみお申し込みいただけます(現在の会員ステータス: 休会)。" in text(html)
    assert reverse("renewal:registration_new", args=[session.pk]) not in html


def credits(member, count):
    categories = list(CreditCategory.objects.order_by("sort_order"))
    Credit.objects.bulk_create(
        Credit(
            member=member,
            credit_category=categories[n % 3],
            points=0 if n >= 3 else 5,  # 15 points whatever the count: short in every category
            earned_on=datetime.date(2023, 4, 1) + datetime.timedelta(days=n % 1000),
            source=Credit.Source.CERTIFICATE,
            title=f"証明書{n}",
        )
        for n in range(count)
    )


def test_query_count_is_the_same_for_5_and_500_credits(client):
    for n in range(4):
        open_session(f"第{n + 1}回研究会", (ENGI, DEVICE, MEDICAL)[n % 3], 5, 20 + n)
    few = MemberFactory(certification_expires_on=EXPIRY)
    many = MemberFactory(certification_expires_on=EXPIRY)
    credits(few, 5)
    credits(many, 500)

    def count(member):
        client.force_login(member.user)
        client.get(URL)  # the first request of a session also loads site settings and the like
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL)
        assert len(re.findall(r'class="suggestion"', way_section(response))) == 4
        return len(queries)

    assert count(few) == count(many)
