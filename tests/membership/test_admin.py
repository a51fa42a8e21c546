"""The staff's member management in the Wagtail admin: listing, export, edit form, history."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.models import ModelLogEntry

from membership.models import Member, User
from tests.factories import MemberFactory, StaffUserFactory
from tests.two_factor import log_in_staff

pytestmark = pytest.mark.django_db

URLS = "wagtailsnippets_membership_member"


@pytest.fixture
def staff_user(db):
    user = StaffUserFactory(username="jimu-tanaka")
    user.groups.add(Group.objects.get(name="事務局"))
    return user


@pytest.fixture
def staff_client(client, staff_user):
    log_in_staff(client, staff_user)
    return client


@pytest.fixture
def members(db):
    """Four members that differ in everything the listing searches and filters by."""
    return {
        "sato": MemberFactory(
            user__username="0030001",
            user__email="sato@example.jp",
            family_name="佐藤",
            given_name="健一",
            family_name_kana="サトウ",
            given_name_kana="ケンイチ",
            home_prefecture="北海道",
            workplace_name="札幌中央大学病院",
            certification_expires_on=datetime.date(2027, 3, 31),
        ),
        "suzuki": MemberFactory(
            user__username="0030002",
            user__email="suzuki@example.jp",
            family_name="鈴木",
            given_name="美咲",
            family_name_kana="スズキ",
            given_name_kana="ミサキ",
            home_prefecture="東京都",
            workplace_name="青葉市民病院",
            status=Member.Status.ON_LEAVE,
            mailing_address=Member.MailingAddress.WORKPLACE,
            certification_expires_on=datetime.date(2029, 9, 30),
        ),
        "abe": MemberFactory(
            user__username="0030003",
            user__email="abe@example.jp",
            family_name="阿部",
            given_name="沙織",
            family_name_kana="アベ",
            given_name_kana="サオリ",
            home_prefecture="東京都",
            workplace_name="東京中央医療センター",
            status=Member.Status.WITHDRAWN,
            certification_expires_on=datetime.date(2027, 12, 1),
        ),
        "yamasaki": MemberFactory(
            user__username="0030004",
            user__email="yamasaki@example.jp",
            family_name="山﨑",
            given_name="京子",
            family_name_kana="ヤマサキ",
            given_name_kana="キョウコ",
            home_prefecture="香川県",
            workplace_name="高松市民病院",
        ),
    }


def listed_numbers(response):
    """Member numbers in the listing rows, in order."""
    assert response.status_code == 200
    body = response.content.decode()
    numbers = [number for number in ("0030001", "0030002", "0030003", "0030004") if number in body]
    return sorted(numbers, key=body.index)


def edit_data(member, **changes):
    """What the admin edit form posts for ``member``, with ``changes`` applied."""
    data = {
        "member_number": member.member_number,
        "family_name": member.family_name,
        "given_name": member.given_name,
        "family_name_kana": member.family_name_kana,
        "given_name_kana": member.given_name_kana,
        "alternate_name": member.alternate_name,
        "birth_date": member.birth_date or "",
        "email": member.user.email,
        "home_postal_code": member.home_postal_code,
        "home_prefecture": member.home_prefecture,
        "home_address1": member.home_address1,
        "home_address2": member.home_address2,
        "workplace_name": member.workplace_name,
        "workplace_postal_code": member.workplace_postal_code,
        "workplace_prefecture": member.workplace_prefecture,
        "workplace_address1": member.workplace_address1,
        "workplace_address2": member.workplace_address2,
        "mailing_address": member.mailing_address,
        "phone": member.phone,
        "mobile": member.mobile,
        "certification_number": member.certification_number,
        "certification_expires_on": member.certification_expires_on or "",
        "status": member.status,
        "status_since": member.status_since or "",
        "status_reason": member.status_reason,
        "joined_on": member.joined_on or "",
    }
    data.update(changes)
    return data


# --- menu and listing --------------------------------------------------------------------------


def test_members_are_in_the_main_menu_not_under_snippets(staff_client):
    body = staff_client.get(reverse("wagtailadmin_home")).content.decode()
    # The sidebar's menu item (JSON props): name "members", label 会員, icon "group".
    assert '"name": "members", "label": "\\u4f1a\\u54e1", "icon_name": "group"' in body
    assert reverse(f"{URLS}:list") in body
    # Not listed again on the snippets index.
    snippets = staff_client.get(reverse("wagtailsnippets:index"))
    assert reverse(f"{URLS}:list") not in snippets.content.decode()


def test_listing_shows_the_columns(staff_client, members):
    body = staff_client.get(reverse(f"{URLS}:list")).content.decode()
    for heading in ("会員番号", "氏名", "フリガナ", "ステータス", "都道府県", "認定有効期限"):
        assert heading in body
    assert "佐藤 健一" in body and "サトウ ケンイチ" in body and "休会" in body and "香川県" in body


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("0030002", ["0030002"]),  # member number
        ("００３０００２", ["0030002"]),  # full-width digits
        ("鈴木", ["0030002"]),  # family name
        ("佐藤 健一", ["0030001"]),  # full name with a space
        ("佐藤健一", ["0030001"]),  # ... and without
        ("スズキ", ["0030002"]),  # furigana
        ("やまさき", ["0030004"]),  # furigana typed in hiragana
        ("abe@example.jp", ["0030003"]),  # e-mail (user__email)
        ("市民病院", ["0030002", "0030004"]),  # workplace
    ],
)
def test_listing_search(staff_client, members, query, expected):
    response = staff_client.get(reverse(f"{URLS}:list"), {"q": query})
    assert listed_numbers(response) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "on_leave"}, ["0030002"]),
        ({"status": ["on_leave", "withdrawn"]}, ["0030002", "0030003"]),
        ({"home_prefecture": "東京都"}, ["0030002", "0030003"]),
        ({"expiry_year": "2027"}, ["0030001", "0030003"]),
        ({"mailing_address": "workplace"}, ["0030002"]),
        ({"home_prefecture": "東京都", "status": "withdrawn"}, ["0030003"]),
    ],
)
def test_listing_filters(staff_client, members, params, expected):
    response = staff_client.get(reverse(f"{URLS}:list"), params)
    assert listed_numbers(response) == expected


def test_listing_orders_by_name_in_kana_order_and_by_expiry(staff_client, members):
    url = reverse(f"{URLS}:list")
    # アベ, サトウ, スズキ, ヤマサキ
    assert listed_numbers(staff_client.get(url, {"ordering": "name"})) == ["0030003", "0030001", "0030002", "0030004"]
    # 2027-03-31, 2027-12-01, 2029-09-30 (members without an expiry date come last)
    by_expiry = listed_numbers(staff_client.get(url, {"ordering": "certification_expires_on"}))
    assert by_expiry[:3] == ["0030001", "0030003", "0030002"] or by_expiry[1:] == ["0030001", "0030003", "0030002"]
    assert listed_numbers(staff_client.get(url, {"ordering": "-member_number"}))[0] == "0030004"


# --- export ------------------------------------------------------------------------------------


def read_csv(response):
    assert response.status_code == 200
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff"), "Excel needs the BOM to read UTF-8"
    return list(csv.reader(io.StringIO(content.lstrip("\ufeff"))))


def test_csv_export_has_japanese_headings_and_member_rows(staff_client, members):
    rows = read_csv(staff_client.get(reverse(f"{URLS}:list"), {"export": "csv"}))
    heading = rows[0]
    assert heading[:5] == ["会員番号", "氏名(姓)", "氏名(名)", "フリガナ(姓)", "フリガナ(名)"]
    for name in ("メールアドレス", "ステータス", "自宅 都道府県", "勤務先名", "電話番号", "認定有効期限"):
        assert name in heading
    by_number = {row[0]: dict(zip(heading, row, strict=True)) for row in rows[1:]}
    assert set(by_number) == {"0030001", "0030002", "0030003", "0030004"}
    suzuki = by_number["0030002"]
    assert suzuki["氏名(姓)"] == "鈴木"
    assert suzuki["メールアドレス"] == "suzuki@example.jp"
    assert suzuki["ステータス"] == "休会"
    assert suzuki["郵送先"] == "勤務先"
    assert suzuki["認定有効期限"] == "2029-09-30"


def test_csv_export_respects_the_filters_and_search(staff_client, members):
    url = reverse(f"{URLS}:list")
    rows = read_csv(staff_client.get(url, {"export": "csv", "home_prefecture": "東京都"}))
    assert sorted(row[0] for row in rows[1:]) == ["0030002", "0030003"]
    rows = read_csv(staff_client.get(url, {"export": "csv", "q": "佐藤"}))
    assert [row[0] for row in rows[1:]] == ["0030001"]


def test_csv_export_does_not_start_formulas(staff_client, members):
    members["sato"].home_address2 = '=HYPERLINK("http://example.com")'
    members["sato"].save()
    rows = read_csv(staff_client.get(reverse(f"{URLS}:list"), {"export": "csv", "q": "0030001"}))
    address2 = rows[1][rows[0].index("自宅 住所2")]
    assert address2.startswith("'=")


def test_xlsx_export_opens_with_openpyxl(staff_client, members):
    response = staff_client.get(reverse(f"{URLS}:list"), {"export": "xlsx", "status": "active"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][0] == "会員番号" and "メールアドレス" in rows[0]
    numbers = sorted(row[0] for row in rows[1:])
    assert numbers == ["0030001", "0030004"]  # text, leading zeros kept; only 正会員 (the filter)
    expiry = rows[0].index("認定有効期限")
    sato = next(row for row in rows[1:] if row[0] == "0030001")
    value = sato[expiry]
    assert (value.date() if isinstance(value, datetime.datetime) else value) == datetime.date(2027, 3, 31)


# --- edit form -----------------------------------------------------------------------------------


def test_edit_form_has_the_tabs(staff_client, members):
    body = staff_client.get(reverse(f"{URLS}:edit", args=[members["sato"].pk])).content.decode()
    for tab in ("基本情報", "連絡先", "資格", "状態"):
        assert tab in body
    assert 'name="email"' in body and "sato@example.jp" in body


def test_edit_changes_the_account_email_at_once_and_normalises_input(staff_client, members):
    member = members["sato"]
    response = staff_client.post(
        reverse(f"{URLS}:edit", args=[member.pk]),
        edit_data(
            member,
            email="new-sato@example.jp",
            phone="０３－１２３４－５６７８",
            mobile="090 1234 5678",
            home_postal_code="〒１００ー０００１",
            given_name_kana="けんいち",
        ),
    )
    assert response.status_code == 302, response.content.decode()
    member.refresh_from_db()
    member.user.refresh_from_db()
    assert member.user.email == "new-sato@example.jp"
    assert member.phone == "0312345678"
    assert member.mobile == "09012345678"
    assert member.home_postal_code == "100-0001"
    assert member.given_name_kana == "ケンイチ"


def test_edit_shows_the_japanese_input_errors(staff_client, members):
    member = members["sato"]
    response = staff_client.post(
        reverse(f"{URLS}:edit", args=[member.pk]),
        edit_data(member, phone="03-1234", home_postal_code="12-34", family_name_kana="Sato"),
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "電話番号は10桁または11桁の数字で入力してください。" in body
    assert "郵便番号は7桁の数字で入力してください" in body
    assert "フリガナは全角カタカナで入力してください。" in body


def test_status_change_needs_a_date_and_a_reason(staff_client, members):
    member = members["sato"]
    url = reverse(f"{URLS}:edit", args=[member.pk])
    response = staff_client.post(url, edit_data(member, status="on_leave"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "ステータスを変更するときは、変更日を入力してください。" in body
    assert "ステータスを変更するときは、変更理由を入力してください。" in body
    member.refresh_from_db()
    assert member.status == Member.Status.ACTIVE

    response = staff_client.post(
        url, edit_data(member, status="on_leave", status_since="2026-04-01", status_reason="本人申請(育児)")
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.status, member.status_since, member.status_reason) == (
        Member.Status.ON_LEAVE,
        datetime.date(2026, 4, 1),
        "本人申請(育児)",
    )


def test_status_change_cannot_reuse_the_previous_date_and_reason(staff_client, members):
    member = members["suzuki"]
    member.status_since, member.status_reason = datetime.date(2025, 4, 1), "本人申請(留学)"
    member.save()
    response = staff_client.post(reverse(f"{URLS}:edit", args=[member.pk]), edit_data(member, status="active"))
    assert response.status_code == 200
    assert "今回の変更日と変更理由を入力してください。" in response.content.decode()


def test_member_number_must_not_be_another_accounts_login_id(staff_client, members, staff_user):
    member = members["sato"]
    response = staff_client.post(
        reverse(f"{URLS}:edit", args=[member.pk]), edit_data(member, member_number=staff_user.username)
    )
    assert response.status_code == 200
    assert "この会員番号はすでに別のアカウントのログインIDとして使われています。" in response.content.decode()


def test_changing_the_member_number_changes_the_login_id(staff_client, members):
    member = members["sato"]
    response = staff_client.post(reverse(f"{URLS}:edit", args=[member.pk]), edit_data(member, member_number="0039999"))
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.member_number == member.user.username == "0039999"


def test_a_new_member_number_is_padded_and_a_lookalike_of_another_is_refused(staff_client, members):
    fields = dict(family_name="新井", given_name="花子", family_name_kana="アライ", given_name_kana="ハナコ")
    fields.update(mailing_address="home", status="active")
    existing = members["sato"]
    lookalike = "0" + existing.member_number
    data = edit_data(Member(user=User(email="twin@example.jp")), member_number=lookalike, **fields)
    response = staff_client.post(reverse(f"{URLS}:add"), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert f"会員番号 {lookalike} は、会員番号 {existing.member_number} の会員({existing.family_name} " in body
    assert not Member.objects.filter(member_number=lookalike).exists()

    data = edit_data(Member(user=User(email="padded@example.jp")), member_number="４０７７７", **fields)
    assert staff_client.post(reverse(f"{URLS}:add"), data).status_code == 302
    assert Member.objects.get(member_number="0040777").user.username == "0040777"


def test_creating_a_member_creates_its_account(staff_client):
    data = edit_data(
        Member(user=User(email="new@example.jp")),
        member_number="００４０００１",
        family_name="新井",
        given_name="花子",
        family_name_kana="アライ",
        given_name_kana="ハナコ",
        mailing_address="home",
        status="active",
    )
    response = staff_client.post(reverse(f"{URLS}:add"), data)
    assert response.status_code == 302, response.content.decode()
    member = Member.objects.get(member_number="0040001")
    assert member.user.username == "0040001"
    assert member.user.email == "new@example.jp"
    assert member.user.kind == User.Kind.MEMBER
    assert not member.user.has_usable_password()


def test_inspect_view_shows_the_member_with_email(staff_client, members):
    body = staff_client.get(reverse(f"{URLS}:inspect", args=[members["suzuki"].pk])).content.decode()
    assert "メールアドレス" in body and "suzuki@example.jp" in body
    assert "鈴木" in body and "休会" in body


# --- history -------------------------------------------------------------------------------------


def test_history_shows_who_changed_what_from_and_to(staff_client, members, staff_user):
    member = members["sato"]
    member.phone = "0311112222"
    member.save()
    response = staff_client.post(
        reverse(f"{URLS}:edit", args=[member.pk]), edit_data(member, phone="03-9999-8888", email="s2@example.jp")
    )
    assert response.status_code == 302

    entry = ModelLogEntry.objects.get(object_id=str(member.pk), action="membership.member.edit")
    assert entry.user == staff_user
    assert entry.data["changes"] == [
        {"field": "phone", "label": "電話番号", "old": "0311112222", "new": "0399998888"},
        {"field": "email", "label": "メールアドレス", "old": "sato@example.jp", "new": "s2@example.jp"},
    ]

    body = staff_client.get(reverse(f"{URLS}:history", args=[member.pk])).content.decode()
    assert "会員情報の変更" in body
    assert staff_user.username in body  # who
    assert "電話番号" in body and "0311112222" in body and "0399998888" in body  # old → new
    assert "sato@example.jp" in body and "s2@example.jp" in body


def test_history_message_describes_the_changes_for_the_site_history(staff_client, members):
    member = members["sato"]
    staff_client.post(
        reverse(f"{URLS}:edit", args=[member.pk]),
        edit_data(member, status="lapsed", status_since="2026-03-31", status_reason="資格更新期限切れ"),
    )
    entry = ModelLogEntry.objects.get(object_id=str(member.pk), action="membership.member.edit")
    assert entry.message.startswith("会員情報を変更しました: ")
    assert "会員ステータス「正会員」→「資格喪失」" in entry.message
    assert "ステータス変更理由「(空欄)」→「資格更新期限切れ」" in entry.message


def test_saving_without_changes_logs_no_changes(staff_client, members):
    member = members["abe"]
    response = staff_client.post(reverse(f"{URLS}:edit", args=[member.pk]), edit_data(member))
    assert response.status_code == 302
    entry = ModelLogEntry.objects.get(object_id=str(member.pk), action="membership.member.edit")
    assert entry.data["changes"] == [] and not entry.content_changed
    assert entry.message == "会員情報を保存しました(変更なし)"


# --- delete ----------------------------------------------------------------------------------------


def test_deleting_a_member_removes_its_account(staff_client, members):
    member = members["abe"]
    user_pk = member.user_id
    response = staff_client.post(reverse(f"{URLS}:delete", args=[member.pk]))
    assert response.status_code == 302
    assert not Member.objects.filter(pk=member.pk).exists()
    assert not User.objects.filter(pk=user_pk).exists()


def test_listing_offers_no_bulk_deletion(staff_client, members):
    body = staff_client.get(reverse(f"{URLS}:list")).content.decode()
    assert "data-bulk-action-checkbox" not in body


def test_inspect_shows_a_dash_for_empty_fields_not_none(client):
    staff = StaffUserFactory(username="jimu-inspect")
    staff.groups.add(Group.objects.get(name="事務局"))
    log_in_staff(client, staff)
    member = MemberFactory(status_since=None, birth_date=None)
    page = client.get(reverse("wagtailsnippets_membership_member:inspect", args=[member.pk])).text
    assert ">None<" not in page.replace(" ", "").replace("\n", "")
