"""Guide 9: 受講履歴ポイント照会, its PDF, the renewal standing behind it and the dashboard notice."""

import datetime
import html
import io
import re
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from renewal.attendance import award_credit
from renewal.credits import evaluate, evaluate_many
from renewal.models import Credit, CreditCategory, LectureKind, RenewalSettings, Seminar, Session
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
NOW = datetime.datetime(2026, 6, 1, 10, 0, tzinfo=TOKYO)
EXPIRY = datetime.date(2028, 3, 31)  # cycle 2023-04-01 .. 2028-03-31
CYCLE_START = datetime.date(2023, 4, 1)

ENGI, DEVICE, MEDICAL = "技師学会・研究会", "機器講習会", "医学・その他セミナー"


@pytest.fixture(autouse=True)
def fixed_now():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def category(name):
    return CreditCategory.objects.get(name=name)


_counter = iter(range(1, 10**6))


def attend(
    member,
    points,
    category_name,
    day,
    *,
    title=None,
    organizer="日本消化器内視鏡技師学会",
    venue="会場A",
    session_title=None,
    lecture_kind=None,
):
    """The member attended a session (of a seminar of its own) held on ``day``: a credit."""
    n = next(_counter)
    seminar = Seminar.objects.create(
        title=title or f"第{n}回 技師学会",
        organizer=organizer,
        venue=venue,
        starts_on=day,
        ends_on=day,
        application_opens_on=day - datetime.timedelta(days=30),
        application_closes_on=day,
    )
    session = Session.objects.create(
        seminar=seminar,
        title=session_title or f"セッション{n}",
        points=points,
        credit_category=category(category_name),
        lecture_kind=LectureKind.objects.get(name=lecture_kind) if lecture_kind else None,
    )
    credit, _ = award_credit(member=member, session=session, source=Credit.Source.ATTENDANCE)
    return credit


def certificate(member, points, category_name, day, **fields):
    """A paper attendance certificate entered by staff (no session)."""
    return Credit.objects.create(
        member=member,
        credit_category=category(category_name),
        points=points,
        earned_on=day,
        source=Credit.Source.CERTIFICATE,
        **fields,
    )


def guide_example(member):
    """Guide 9's desktop example: 40 / 20, 30 / 10, 19 / 20 → 総得点 49 / 50, 更新不可."""
    for index in range(4):
        attend(member, 10, ENGI, datetime.date(2023, 5, 26) + datetime.timedelta(days=200 * index))
    for index in range(3):
        attend(member, 10, DEVICE, datetime.date(2024, 7, 1) + datetime.timedelta(days=100 * index))
    attend(member, 10, MEDICAL, datetime.date(2025, 1, 10))
    attend(member, 7, MEDICAL, datetime.date(2025, 6, 10))
    attend(
        member,
        2,
        MEDICAL,
        datetime.date(2024, 2, 29),
        title="e-ラーニング_1 (医学講義)",
        session_title="大腸腫瘍の内視鏡治療と治療後のサーベイランス",
        venue="e-learning",
        lecture_kind="医学講義",
    )


def certified(**fields):
    return MemberFactory(**{"certification_expires_on": EXPIRY, **fields})


def page_text(response):
    """The page as a reader sees it: tags dropped, whitespace collapsed."""
    body = response.content.decode()
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", body, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body))).replace(" :", ":")


def table_rows(response):
    """The credit table's rows, each a list of cell texts."""
    body = response.content.decode()
    rows = re.findall(r'<tr class="credit-row[^"]*">(.*?)</tr>', body, flags=re.S)
    return [
        [
            re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", cell))).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in rows
    ]


def open_page(client, member, **params):
    client.force_login(member.user)
    response = client.get(reverse("renewal:credits"), params)
    assert response.status_code == 200
    return response


def pdf_text(client, member, **params):
    client.force_login(member.user)
    response = client.get(reverse("renewal:credits_pdf"), params)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.content))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


# --- The page as the guide shows it -----------------------------------------------------------


def test_the_guides_example_caps_each_category_and_is_one_point_short(client):
    member = certified()
    guide_example(member)

    text = page_text(open_page(client, member))

    assert "次回更新年月: 2028年3月" in text
    assert "更新不可" in text and "更新可" not in text
    assert "技師学会・研究会: 40 / 20点 ※総得点加算上限: 20点" in text
    assert "機器講習会: 30 / 10点 ※総得点加算上限: 10点" in text
    assert "医学・その他セミナー: 19 / 20点 ※総得点加算上限: 20点" in text
    assert "総得点: 49 / 50点" in text
    assert "あと1点" in text


def test_one_more_point_makes_the_member_eligible(client):
    member = certified()
    guide_example(member)
    attend(member, 1, MEDICAL, datetime.date(2026, 4, 20))

    text = page_text(open_page(client, member))

    assert "総得点: 50 / 50点" in text
    assert "更新可" in text and "更新不可" not in text


def test_caps_and_required_points_are_data_staff_can_change(client):
    member = certified()
    guide_example(member)
    CreditCategory.objects.filter(name=DEVICE).update(cap=30)

    text = page_text(open_page(client, member))
    assert "機器講習会: 30 / 30点 ※総得点加算上限: 30点" in text
    assert "総得点: 69 / 50点" in text and "更新可" in text

    rules = RenewalSettings.load()
    rules.required_points = 80
    rules.save()
    text = page_text(open_page(client, member))
    assert "総得点: 69 / 80点" in text and "更新不可" in text


def test_a_cap_staff_change_shows_on_the_next_page_view(client):
    member = certified()
    guide_example(member)
    assert "機器講習会: 30 / 10点" in page_text(open_page(client, member))  # the categories now cached
    category = CreditCategory.objects.get(name=DEVICE)
    category.cap = 30
    category.save()  # as the admin saves it
    assert "機器講習会: 30 / 30点" in page_text(open_page(client, member))


def test_a_new_category_appears_with_its_own_cap(client):
    member = certified()
    CreditCategory.objects.create(name="地区研究会", cap=5, sort_order=40)
    attend(member, 8, "地区研究会", datetime.date(2025, 9, 1))

    text = page_text(open_page(client, member))

    assert "地区研究会: 8 / 5点 ※総得点加算上限: 5点" in text
    assert "総得点: 5 / 50点" in text


def test_the_table_lists_each_credit_with_the_guides_columns(client):
    member = certified()
    guide_example(member)

    response = open_page(client, member)
    text = page_text(response)
    for heading in ("セッション", "学会・セミナー", "主催者", "開催地・会場", "更新条件集計種別", "点数", "開催日"):
        assert f"<th>{heading}</th>" in response.content.decode()
    rows = table_rows(response)
    assert len(rows) == 10
    elearning = [row for row in rows if row[1] == "e-ラーニング_1 (医学講義)"]
    assert elearning == [
        [
            "大腸腫瘍の内視鏡治療と治療後のサーベイランス",
            "e-ラーニング_1 (医学講義)",
            "日本消化器内視鏡技師学会",
            "e-learning",
            "医学講義(医学・その他セミナー)",
            "2",
            "2024/2/29",
        ]
    ]
    # Oldest first, as the guide lists them.
    assert rows[0][-1] == "2023/5/26"
    assert "このシステムを介さずに参加された学会や支部の研究会" in text
    assert reverse("renewal:credits_pdf") in response.content.decode()
    assert "受講履歴ポイント出力" in text


def test_every_cell_is_labelled_for_the_phone_layout(client):
    member = certified()
    guide_example(member)
    certificate(member, 3, MEDICAL, datetime.date(2025, 2, 1), title="出席証明書のセミナー")

    body = open_page(client, member).content.decode()
    table = re.search(r'<table class="stack-table credit-table">.*?</table>', body, re.S).group(0)
    cells = re.findall(r"<td[^>]*>", table)
    assert len(cells) == 11 * 7
    assert all('data-label="' in cell for cell in cells)


def test_the_menu_links_to_the_page(client):
    member = certified()
    client.force_login(member.user)
    response = client.get(reverse("member:dashboard"))
    assert reverse("renewal:credits") in response.content.decode()
    assert "受講履歴ポイント照会" in page_text(response)


def test_the_page_needs_a_login(client):
    response = client.get(reverse("renewal:credits"))
    assert response.status_code == 302 and reverse("member:login") in response["Location"]
    response = client.get(reverse("renewal:credits_pdf"))
    assert response.status_code == 302 and reverse("member:login") in response["Location"]


def test_a_member_without_certification_data_is_told_there_is_no_cycle(client):
    member = MemberFactory(certification_expires_on=None)
    attend(member, 10, ENGI, datetime.date(2024, 5, 1), title="認定前の技師学会")

    response = open_page(client, member)
    text = page_text(response)

    assert "認定情報(認定有効期限)がありません。更新条件を評価できません。" in text
    assert "更新可" not in text and "更新不可" not in text and "次回更新年月" not in text
    assert [row[1] for row in table_rows(response)] == ["認定前の技師学会"]
    evaluation = evaluate(member)
    assert not evaluation.has_cycle and not evaluation.eligible and evaluation.shortfall is None


# --- Cycle boundaries ------------------------------------------------------------------------


def test_a_credit_on_the_cycles_first_day_counts_and_the_day_before_does_not(client):
    member = certified()
    attend(member, 10, ENGI, CYCLE_START, title="初日の技師学会")
    attend(member, 7, DEVICE, CYCLE_START - datetime.timedelta(days=1), title="前日の講習会")

    evaluation = evaluate(member)
    assert (evaluation.cycle_start, evaluation.cycle_end) == (CYCLE_START, EXPIRY)
    assert evaluation.total == 10
    assert evaluate_many([member.pk])[member.pk] == evaluation

    response = open_page(client, member)
    text = page_text(response)
    assert "技師学会・研究会: 10 / 20点" in text and "機器講習会: 0 / 10点" in text
    assert [row[1] for row in table_rows(response)] == ["初日の技師学会"]


def test_a_credit_on_the_expiry_day_counts_and_the_day_after_does_not():
    member = certified()
    attend(member, 10, ENGI, EXPIRY)
    attend(member, 5, ENGI, EXPIRY + datetime.timedelta(days=1))

    assert evaluate(member).total == 10
    assert evaluate_many(member_ids := [member.pk])[member_ids[0]].total == 10


def test_a_leap_day_expiry_starts_its_cycle_on_the_first_of_march():
    member = certified(certification_expires_on=datetime.date(2028, 2, 29))
    attend(member, 10, ENGI, datetime.date(2023, 3, 1))
    attend(member, 5, DEVICE, datetime.date(2023, 2, 28))

    evaluation = evaluate(member)
    assert evaluation.cycle_start == datetime.date(2023, 3, 1)
    assert evaluation.total == 10
    assert evaluate_many([member.pk])[member.pk] == evaluation


# --- Certificates, previous cycles, fiscal years, privacy --------------------------------------


def test_a_certificate_credit_shows_its_own_title_organizer_and_venue_and_counts(client):
    member = certified()
    certificate(
        member, 6, DEVICE, datetime.date(2024, 10, 5),
        title="内視鏡機器取扱い講習会", organizer="関東支部", venue="横浜市立大学",
    )  # fmt: skip

    response = open_page(client, member)

    assert table_rows(response) == [
        ["出席証明書", "内視鏡機器取扱い講習会", "関東支部", "横浜市立大学", DEVICE, "6", "2024/10/5"]
    ]
    assert "機器講習会: 6 / 10点" in page_text(response)


def test_credits_before_the_cycle_show_only_when_asked_and_never_count(client):
    member = certified()
    guide_example(member)
    attend(member, 10, ENGI, datetime.date(2022, 6, 10), title="第89回日本消化器内視鏡技師学会")

    response = open_page(client, member)
    assert "第89回日本消化器内視鏡技師学会" not in page_text(response)
    assert 'name="previous" value="1" checked' not in response.content.decode()

    # Ticking the box (the form says the page showed no previous credits) widens the years.
    response = open_page(client, member, previous="1", shown_previous="0", **{"from": "2023", "to": "2027"})
    text = page_text(response)
    assert "第89回日本消化器内視鏡技師学会" in text
    assert table_rows(response)[0][1] == "第89回日本消化器内視鏡技師学会"
    assert "総得点: 49 / 50点" in text  # the previous cycle never counts
    assert 'name="previous" value="1" checked' in response.content.decode()

    # Unticking it hides them again.
    response = open_page(client, member, shown_previous="1", **{"from": "2022", "to": "2027"})
    assert "第89回日本消化器内視鏡技師学会" not in page_text(response)


def test_the_fiscal_year_range_picks_april_to_march(client):
    member = certified()
    attend(member, 1, ENGI, datetime.date(2024, 3, 31), title="2023年度末のセミナー")
    attend(member, 2, ENGI, datetime.date(2024, 4, 1), title="2024年度初日のセミナー")
    attend(member, 3, ENGI, datetime.date(2025, 3, 31), title="2024年度末のセミナー")
    attend(member, 4, ENGI, datetime.date(2025, 4, 1), title="2025年度初日のセミナー")

    response = open_page(client, member, **{"from": "2024", "to": "2024"})
    assert [row[1] for row in table_rows(response)] == ["2024年度初日のセミナー", "2024年度末のセミナー"]
    # The summary is the whole cycle's whatever the years shown.
    assert "総得点: 10 / 50点" in page_text(response)

    # By default: every fiscal year of the current cycle (2023 to 2027).
    response = open_page(client, member)
    assert len(table_rows(response)) == 4
    body = response.content.decode()
    assert '<option value="2023" selected>2023年</option>' in body
    assert '<option value="2027" selected>2027年</option>' in body


def test_nonsense_years_fall_back_to_the_range_offered(client):
    member = certified()
    attend(member, 5, ENGI, datetime.date(2024, 5, 1))
    response = open_page(client, member, **{"from": "abc", "to": "99999"})
    assert len(table_rows(response)) == 1


def test_another_members_credits_are_never_shown_or_counted(client):
    member = certified()
    other = certified()
    attend(member, 5, ENGI, datetime.date(2024, 5, 1), title="自分の技師学会")
    attend(other, 20, ENGI, datetime.date(2024, 6, 1), title="他人の技師学会")
    certificate(other, 10, DEVICE, datetime.date(2024, 6, 2), title="他人の出席証明書")

    response = open_page(client, member, previous="1")
    text = page_text(response)
    assert "自分の技師学会" in text
    assert "他人の" not in text
    assert "総得点: 5 / 50点" in text
    pdf = pdf_text(client, member, previous="1")
    assert "他人の" not in pdf and "自分の技師学会" in pdf


# --- evaluate_many -----------------------------------------------------------------------------


def test_evaluate_many_agrees_with_evaluate_for_a_mix_of_members():
    eligible = certified()
    guide_example(eligible)
    attend(eligible, 5, MEDICAL, datetime.date(2027, 1, 1))
    short = certified(certification_expires_on=datetime.date(2027, 3, 31))
    guide_example(short)  # some of it falls after this member's expiry
    attend(short, 9, DEVICE, datetime.date(2022, 4, 1))  # inside (2022-03-31, 2027-03-31]
    no_credits = certified()
    no_expiry = MemberFactory(certification_expires_on=None)
    attend(no_expiry, 10, ENGI, datetime.date(2024, 5, 1))
    leap = certified(certification_expires_on=datetime.date(2028, 2, 29))
    attend(leap, 10, ENGI, datetime.date(2023, 3, 1))
    attend(leap, 10, ENGI, datetime.date(2023, 2, 28))
    certificate(leap, 4, DEVICE, datetime.date(2026, 1, 1), title="証明書")
    members = [eligible, short, no_credits, no_expiry, leap]

    many = evaluate_many([member.pk for member in members])
    assert many == {member.pk: evaluate(member) for member in members}
    assert many[eligible.pk].eligible and many[eligible.pk].total == 54 - 4
    assert not many[short.pk].eligible
    assert many[no_credits.pk].total == 0 and many[no_credits.pk].shortfall == 50
    assert not many[no_expiry.pk].has_cycle and many[no_expiry.pk].total == 0
    assert many[leap.pk].total == 14
    # A queryset works too.
    from membership.models import Member

    assert evaluate_many(Member.objects.filter(pk__in=[short.pk, leap.pk])) == {
        short.pk: evaluate(short),
        leap.pk: evaluate(leap),
    }


def test_evaluate_many_runs_a_fixed_number_of_queries():
    members = [certified() for _ in range(3)]
    for member in members:
        guide_example(member)
    evaluate_many([])  # the first call stores the default renewal settings
    with CaptureQueriesContext(connection) as few:
        evaluate_many([member.pk for member in members[:1]])
    with CaptureQueriesContext(connection) as more:
        evaluate_many([member.pk for member in members])
    assert len(more) == len(few) <= 4
    aggregates = [query["sql"] for query in more.captured_queries if "SUM(" in query["sql"].upper()]
    assert len(aggregates) == 1


# --- PDF -----------------------------------------------------------------------------------------


def test_the_pdf_prints_member_summary_table_and_output_date(client):
    member = certified(family_name="内視", given_name="花子")
    guide_example(member)
    certificate(member, 3, DEVICE, datetime.date(2025, 2, 1), title="出席証明書の講習会", venue="名古屋国際会議場")

    text = pdf_text(client, member)

    assert member.member_number in text
    assert "内視 花子" in text
    assert "次回更新年月: 2028年3月" in text
    assert "技師学会・研究会: 40 / 20点" in text
    assert "機器講習会: 33 / 10点" in text
    assert "総得点: 49 / 50点" in text
    assert "更新不可" in text
    assert "e-ラーニング_1 (医学講義)" in text
    assert "出席証明書の講習会" in text and "名古屋国際会議場" in text
    # Each line's fields stay apart (xhtml2pdf drew a full-width space as a narrow one).
    assert "2025/2/1 ｜ 3点 ｜ 機器講習会 ｜ 出席証明書の講習会 / 出席証明書 ｜" in text
    assert "2024/2/29" in text
    assert "出力日 2026年6月1日" in text


def test_the_pdf_follows_the_years_chosen_on_the_page(client):
    member = certified()
    attend(member, 2, ENGI, datetime.date(2024, 4, 1), title="2024年度のセミナー")
    attend(member, 4, ENGI, datetime.date(2025, 4, 1), title="2025年度のセミナー")

    response = open_page(client, member, **{"from": "2025", "to": "2025"})
    assert "from=2025&amp;to=2025" in response.content.decode()
    text = pdf_text(client, member, **{"from": "2025", "to": "2025"})
    assert "2025年度のセミナー" in text and "2024年度のセミナー" not in text


# --- Query counts --------------------------------------------------------------------------------


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("url_name", ["renewal:credits", "renewal:credits_pdf"])
def test_the_number_of_queries_does_not_grow_with_the_credits(client, url_name):
    member = certified()
    for index in range(4):
        attend(
            member,
            2,
            [ENGI, DEVICE, MEDICAL][index % 3],
            datetime.date(2023, 6, 1) + datetime.timedelta(days=index * 30),
        )
    certificate(member, 1, DEVICE, datetime.date(2024, 1, 1), title="証明書")
    client.force_login(member.user)
    url = reverse(url_name)
    client.get(url)  # warm the settings caches
    with_few = count_queries(client, url)
    assert Credit.objects.filter(member=member).count() == 5

    for index in range(45):
        attend(
            member,
            1,
            [ENGI, DEVICE, MEDICAL][index % 3],
            datetime.date(2024, 6, 1) + datetime.timedelta(days=index * 20),
            lecture_kind="その他講義" if index % 3 == 2 else None,
        )
    assert Credit.objects.filter(member=member).count() == 50
    assert count_queries(client, url) == with_few


# --- Dashboard notice ----------------------------------------------------------------------------

NOTICE = "更新に必要な点数が不足しています"


def dashboard(client, member):
    client.force_login(member.user)
    return client.get(reverse("member:dashboard")).content.decode()


def test_a_member_short_of_points_within_a_year_of_expiry_is_told_how_many(client):
    member = certified(certification_expires_on=datetime.date(2027, 3, 31))
    guide_example(member)

    body = dashboard(client, member)

    assert f"{NOTICE}(あと1点)" in body
    assert f'href="{reverse("renewal:credits")}"' in body


def test_no_notice_when_expiry_is_more_than_a_year_away_or_points_suffice(client):
    far = certified(certification_expires_on=datetime.date(2027, 6, 2))  # NOW is 2026-06-01
    assert NOTICE not in dashboard(client, far)

    enough = certified(certification_expires_on=datetime.date(2027, 3, 31))
    guide_example(enough)
    attend(enough, 1, MEDICAL, datetime.date(2026, 1, 1))
    assert NOTICE not in dashboard(client, enough)

    uncertified = MemberFactory(certification_expires_on=None)
    assert NOTICE not in dashboard(client, uncertified)

    withdrawn = certified(certification_expires_on=datetime.date(2027, 3, 31), status="withdrawn")
    assert NOTICE not in dashboard(client, withdrawn)


def test_the_notice_appears_exactly_twelve_months_before_expiry(client):
    member = certified(certification_expires_on=datetime.date(2027, 6, 1))
    assert f"{NOTICE}(あと50点)" in dashboard(client, member)
