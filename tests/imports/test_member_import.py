"""Member-list import: create and update by member number, every rule per row and column,
all rows or none, re-import changes nothing, large files in the background."""

import base64
import re
from datetime import date

import pytest
from django.core import mail
from django.db import IntegrityError
from django.urls import reverse

from imports import services
from imports.kinds import members as member_kind
from imports.models import ImportJob
from membership import members as member_service
from membership.models import Member, User
from tests.factories import DEFAULT_PASSWORD, MemberFactory, StaffUserFactory, UserFactory
from tests.imports.data import csv_bytes, member_row, member_rows

pytestmark = pytest.mark.django_db


def errors_of(job):
    return [(e["row"], e["column"], e["message"]) for e in job.result["errors"]]


def test_new_member_gets_a_member_account_with_the_number_as_login_id(import_file):
    job = import_file(csv_bytes([member_row(0, 会員番号="0012345", メールアドレス="hanako@example.jp")]))
    assert (job.state, job.new_count, job.updated_count, job.unchanged_count, job.error_count) == (
        "applied",
        1,
        0,
        0,
        0,
    )
    member = Member.objects.select_related("user").get()
    assert member.member_number == "0012345"
    assert member.user.username == "0012345"
    assert member.user.email == "hanako@example.jp"
    assert member.user.kind == User.Kind.MEMBER
    assert not member.user.is_staff
    assert member.status == Member.Status.ACTIVE
    assert member.mailing_address == Member.MailingAddress.HOME
    assert member.home_postal_code == "100-0001"
    assert member.workplace_postal_code == "530-0001"
    assert member.phone == "0300000000"
    assert member.joined_on == date(2010, 4, 1)
    assert member.certification_number == "000001"
    assert member.created_at is not None


def test_imported_members_get_card_keys_like_every_member(import_file):
    """The card's QR code carries the key: 16 random bytes as 22 URL-safe characters, one per member."""
    import_file(csv_bytes(member_rows(30)))
    keys = list(Member.objects.values_list("card_key", flat=True))
    assert len(keys) == 30 and len(set(keys)) == 30
    for key in keys:
        assert re.fullmatch(r"[A-Za-z0-9_-]{22}", key)
        assert len(base64.urlsafe_b64decode(key + "==")) == 16


def test_imported_member_cannot_log_in_until_password_reset(import_file, client, django_capture_on_commit_callbacks):
    import_file(csv_bytes([member_row(0, 会員番号="0012345", メールアドレス="hanako@example.jp")]))
    user = User.objects.get(username="0012345")
    assert not user.has_usable_password()
    for password in ("", "!", user.password, DEFAULT_PASSWORD):
        response = client.post("/member/login", {"username": "0012345", "password": password})
        assert response.status_code == 200, password

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("member:password_reset"), {"username": "0012345", "email": "hanako@example.jp"})
    link = re.search(r"https?://\S+", mail.outbox[0].body).group(0)
    page = client.get(link, follow=True)
    form_url = page.redirect_chain[-1][0] if page.redirect_chain else link
    client.post(form_url, {"new_password1": "Renewed88Q", "new_password2": "Renewed88Q"})

    response = client.post("/member/login", {"username": "0012345", "password": "Renewed88Q"})
    assert response.status_code == 302
    assert response.url == reverse("member:dashboard")


def test_existing_member_is_updated_and_keeps_the_password(import_file, client):
    existing = MemberFactory(
        user=UserFactory(username="0000001", email="old@example.jp"),
        family_name="旧姓",
        given_name="花子",
        family_name_kana="キュウセイ",
        given_name_kana="ハナコ",
    )
    before = Member.objects.get(pk=existing.pk).updated_at
    job = import_file(csv_bytes([member_row(0), member_row(1)]))
    assert (job.new_count, job.updated_count, job.unchanged_count) == (1, 1, 0)
    existing.refresh_from_db()
    existing.user.refresh_from_db()
    assert existing.family_name == "山田"
    assert existing.family_name_kana == "ヤマダ"
    assert existing.user.email == "member1@example.jp"
    assert existing.updated_at > before
    assert Member.objects.count() == 2
    sample = job.result["samples"]["updated"][0]
    assert sample["row"] == 2
    assert ["氏名(姓)", "旧姓", "山田"] in sample["changes"]
    assert ["メールアドレス", "old@example.jp", "member1@example.jp"] in sample["changes"]
    response = client.post("/member/login", {"username": "0000001", "password": DEFAULT_PASSWORD})
    assert response.status_code == 302


def test_only_the_email_changed(import_file):
    import_file(csv_bytes([member_row(0)]))
    job = import_file(csv_bytes([member_row(0, メールアドレス="new@example.jp")]))
    assert (job.new_count, job.updated_count, job.unchanged_count) == (0, 1, 0)
    assert User.objects.get(username="0000001").email == "new@example.jp"


def test_three_bad_rows_among_1000_show_exactly_those_errors_and_nothing_is_applied(preview, superuser):
    rows = member_rows(1000)
    rows[10]["フリガナ(姓)"] = "Yamada"
    rows[500]["自宅郵便番号"] = "12345"
    rows[998]["生年月日"] = "2024/02/30"
    job = preview(csv_bytes(rows))  # its speed is measured in tests/bench, never asserted here
    assert job.state == ImportJob.State.PREVIEWED
    assert (job.new_count, job.updated_count, job.unchanged_count, job.error_count) == (997, 0, 0, 3)
    assert errors_of(job) == [
        (12, "フリガナ(姓)", "フリガナは全角カタカナで入力してください。"),
        (502, "自宅郵便番号", "郵便番号は7桁の数字で入力してください(例: 123-4567)。"),
        (1000, "生年月日", "存在しない日付です。"),
    ]
    assert [row["row"] for row in job.result["samples"]["error"]] == [12, 502, 1000]
    assert len(job.result["samples"]["new"]) == 20
    assert not job.can_apply
    with pytest.raises(services.ImportJobError, match="エラーがあるため取り込めません"):
        services.start_apply(job=job, user=superuser)
    assert Member.objects.count() == 0
    assert User.objects.filter(kind=User.Kind.MEMBER).count() == 0


def test_reimporting_the_same_file_changes_nothing(import_file, preview, superuser):
    data = csv_bytes(member_rows(30))
    first = import_file(data)
    stamps = dict(Member.objects.values_list("member_number", "updated_at"))
    passwords = dict(User.objects.filter(kind="member").values_list("username", "password"))

    again = preview(data)
    assert (again.new_count, again.updated_count, again.unchanged_count, again.error_count) == (0, 0, 30, 0)
    assert again.file_sha256 == first.file_sha256
    assert services.previous_application(again) == first

    applied = services.start_apply(job=again, user=superuser)
    assert applied.state == ImportJob.State.APPLIED
    assert (applied.new_count, applied.updated_count, applied.unchanged_count) == (0, 0, 30)
    assert dict(Member.objects.values_list("member_number", "updated_at")) == stamps
    assert dict(User.objects.filter(kind="member").values_list("username", "password")) == passwords


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("会員番号", "", "必須項目です。入力してください。"),
        ("会員番号", "00 123", "会員番号は半角英数字20文字以内で入力してください。"),
        ("会員番号", "123456789012345678901", "会員番号は半角英数字20文字以内で入力してください。"),
        ("氏名(姓)", "", "必須項目です。入力してください。"),
        ("氏名(名)", "あ" * 51, "50文字以内で入力してください(現在51文字)。"),
        ("フリガナ(名)", "Hanako", "フリガナは全角カタカナで入力してください。"),
        ("フリガナ(名)", "", "必須項目です。入力してください。"),
        ("代替文字", "髙橋花子", "代替文字に環境依存文字(髙)は使えません。置き換えた文字で入力してください。"),
        ("生年月日", "1980年13月1日", "存在しない日付です。"),
        ("生年月日", "April 1", "日付は 2024/04/01 または 2024-04-01 の形式で入力してください。"),
        ("生年月日", "1800/01/01", "日付が範囲外です(1900年から2200年まで)。"),
        ("メールアドレス", "hanako@", "メールアドレスの形式が正しくありません。"),
        ("メールアドレス", "hanako@@example.jp", "メールアドレスの形式が正しくありません。"),
        ("自宅郵便番号", "〒100", "郵便番号は7桁の数字で入力してください(例: 123-4567)。"),
        ("自宅都道府県", "東京", "都道府県は47都道府県の名前(例: 東京都、大阪府、北海道)で入力してください。"),
        ("電話番号", "03-1234-567a", "電話番号は数字のみで入力してください(ハイフンは不要です)。"),
        ("携帯番号", "090-1234", "電話番号は10桁または11桁の数字で入力してください。"),
        ("郵送先", "実家", "「実家」は選べません。自宅、勤務先 のいずれかを入力してください。"),
        (
            "会員ステータス",
            "名誉会員",
            "「名誉会員」は選べません。正会員、休会、退会、資格喪失 のいずれかを入力してください。",
        ),
        ("会員ステータス", "", "必須項目です。入力してください。(正会員/休会/退会/資格喪失)"),
        ("入会日", "2024/4", "日付は 2024/04/01 または 2024-04-01 の形式で入力してください。"),
        ("技師認定番号", "第123号", "技師認定番号は半角英数字20文字以内で入力してください。"),
        ("認定有効期限", "2027/02/29", "存在しない日付です。"),
    ],
)
def test_each_rule_gives_its_message_on_its_row_and_column(preview, column, value, message):
    job = preview(csv_bytes([member_row(0), member_row(1, **{column: value})]))
    assert errors_of(job) == [(3, column, message)]
    assert (job.new_count, job.error_count) == (1, 1)


def test_values_are_normalised_like_the_member_form(import_file):
    row = member_row(
        0,
        **{
            "会員番号": "００１２３４５",
            "フリガナ(姓)": "やまだ",
            "フリガナ(名)": "ﾊﾅｺ",
            "生年月日": "1980年4月1日",
            "入会日": "20100401",
            "認定有効期限": "2027-03-31",
            "自宅郵便番号": "１００－０００１",
            "電話番号": "０３（１２３４）５６７８",
            "携帯番号": "090 1234 5678",
            "自宅都道府県": " 東京都 ",
            "会員ステータス": "休会",
            "郵送先": "勤務先",
        },
    )
    import_file(csv_bytes([row]))
    member = Member.objects.get()
    assert member.member_number == "0012345"
    assert (member.family_name_kana, member.given_name_kana) == ("ヤマダ", "ハナコ")
    assert member.birth_date == date(1980, 4, 1)
    assert member.joined_on == date(2010, 4, 1)
    assert member.certification_expires_on == date(2027, 3, 31)
    assert member.home_postal_code == "100-0001"
    assert (member.phone, member.mobile) == ("0312345678", "09012345678")
    assert member.home_prefecture == "東京都"
    assert member.status == Member.Status.ON_LEAVE
    assert member.mailing_address == Member.MailingAddress.WORKPLACE


def test_names_are_never_changed(import_file):
    import_file(csv_bytes([member_row(3, **{"氏名(姓)": "髙橋", "氏名(名)": "ﾊﾅｺ", "代替文字": "高橋 ハナコ"})]))
    member = Member.objects.get()
    assert (member.family_name, member.given_name, member.alternate_name) == ("髙橋", "ﾊﾅｺ", "高橋 ハナコ")


def test_mailing_address_needs_that_address(preview):
    row = member_row(0, 郵送先="勤務先", 勤務先名="", 勤務先郵便番号="", 勤務先都道府県="", 勤務先住所1="")
    home = member_row(1, 自宅郵便番号="", 自宅都道府県="", 自宅住所1="")
    job = preview(csv_bytes([row, home]))
    assert errors_of(job) == [
        (2, "勤務先名", "郵送先を勤務先にする場合は入力してください。"),
        (2, "勤務先郵便番号", "郵送先を勤務先にする場合は入力してください。"),
        (2, "勤務先都道府県", "郵送先を勤務先にする場合は入力してください。"),
        (2, "勤務先住所1", "郵送先を勤務先にする場合は入力してください。"),
        (3, "自宅郵便番号", "郵送先を自宅にする場合は入力してください。"),
        (3, "自宅都道府県", "郵送先を自宅にする場合は入力してください。"),
        (3, "自宅住所1", "郵送先を自宅にする場合は入力してください。"),
    ]


def test_duplicate_member_numbers_and_emails_in_the_file(preview):
    rows = [
        member_row(0),
        member_row(1),
        member_row(2, 会員番号="0000001"),
        member_row(3, メールアドレス="MEMBER2@example.jp"),
    ]
    job = preview(csv_bytes(rows))
    assert errors_of(job) == [
        (4, "会員番号", "会員番号 0000001 がファイル内で重複しています(2行目と同じ)。"),
        (5, "メールアドレス", "メールアドレスがファイル内で重複しています(3行目と同じ)。"),
    ]


def test_email_of_another_account_is_refused(preview):
    MemberFactory(user=UserFactory(username="0099999", email="Member1@Example.jp"))
    job = preview(csv_bytes([member_row(0)]))
    assert errors_of(job) == [(2, "メールアドレス", "このメールアドレスは他のアカウント(0099999)が使っています。")]


def test_member_number_of_a_staff_account_is_refused(preview):
    StaffUserFactory(username="0000001", email="staff@example.jp")
    job = preview(csv_bytes([member_row(0)]))
    assert errors_of(job) == [
        (2, "会員番号", "会員番号 0000001 は会員以外のアカウントのログインIDとして使われています。")
    ]


def test_apply_validates_again_and_applies_nothing_when_the_database_changed(preview, superuser):
    job = preview(csv_bytes(member_rows(5)))
    assert job.can_apply
    UserFactory(username="someone", email="member4@example.jp")
    job = services.start_apply(job=job, user=superuser)
    assert job.state == ImportJob.State.FAILED
    assert job.message == services.STALE_MESSAGE
    assert errors_of(job) == [(5, "メールアドレス", "このメールアドレスは他のアカウント(someone)が使っています。")]
    assert Member.objects.count() == 0


def test_a_failure_while_writing_leaves_nothing_behind(preview, superuser, monkeypatch):
    real_insert = member_service.insert_rows

    def insert_then_fail(model, rows, **kwargs):
        if model is Member:
            raise IntegrityError("duplicate key value violates unique constraint")
        return real_insert(model, rows, **kwargs)

    monkeypatch.setattr(member_service, "insert_rows", insert_then_fail)
    job = services.start_apply(job=preview(csv_bytes(member_rows(5))), user=superuser)
    assert job.state == ImportJob.State.FAILED
    assert job.message == services.CONFLICT_MESSAGE
    assert User.objects.filter(kind=User.Kind.MEMBER).count() == 0


def test_a_job_is_applied_once(preview, superuser):
    job = preview(csv_bytes(member_rows(3)))
    services.start_apply(job=job, user=superuser)
    with pytest.raises(services.ImportJobError, match="すでに確定"):
        services.start_apply(job=job, user=superuser)
    assert Member.objects.count() == 3


def test_a_cancelled_job_cannot_be_applied(preview, superuser):
    job = preview(csv_bytes(member_rows(3)))
    cancelled = services.cancel_job(job=job, user=superuser)
    assert (cancelled.state, cancelled.decided_by) == (ImportJob.State.CANCELLED, superuser)
    with pytest.raises(services.ImportJobError):
        services.start_apply(job=job, user=superuser)
    with pytest.raises(services.ImportJobError):
        services.cancel_job(job=job, user=superuser)
    assert Member.objects.count() == 0


def test_the_job_records_who_when_which_file(import_file, superuser):
    data = csv_bytes(member_rows(2))
    job = import_file(data, name="会員名簿2026.csv")
    job.refresh_from_db()
    assert job.kind == "members"
    assert job.file_name == "会員名簿2026.csv"
    assert job.file_size == len(data)
    assert len(job.file_sha256) == 64
    assert job.created_by == superuser and job.decided_by == superuser
    assert job.created_at and job.finished_at
    with job.file.open("rb") as stored:
        assert stored.read() == data


def test_large_files_are_previewed_and_applied_by_background_tasks(
    preview, superuser, settings, django_capture_on_commit_callbacks
):
    settings.IMPORTS_BACKGROUND_ROWS = 10
    data = csv_bytes(member_rows(25))
    with django_capture_on_commit_callbacks(execute=False) as queued:
        job = preview(data)
    assert job.state == ImportJob.State.PREVIEWING  # the task has not run yet
    assert job.total_rows == 25
    assert len(queued) == 1

    with django_capture_on_commit_callbacks(execute=True):
        queued[0]()  # the worker picks the task up (the immediate backend runs it now)
    job.refresh_from_db()
    assert (job.state, job.processed_rows, job.new_count) == (ImportJob.State.PREVIEWED, 25, 25)

    with django_capture_on_commit_callbacks(execute=True):
        services.start_apply(job=job, user=superuser)
    job.refresh_from_db()
    assert job.state == ImportJob.State.APPLIED
    assert Member.objects.count() == 25


def test_a_bad_cell_of_a_unique_column_is_found_in_any_block(preview, monkeypatch):
    """Cells are cleaned 10 rows at a time here; the e-mail and number columns are all distinct in
    the first block, and are then cleaned without remembering cells: a bad one later is still found."""
    monkeypatch.setattr(member_kind.MemberImport, "progress_every", 10)
    rows = member_rows(35)
    rows[22]["メールアドレス"] = "hanako@"
    rows[31]["会員番号"] = "12#45"
    job = preview(csv_bytes(rows))
    assert errors_of(job) == [
        (24, "メールアドレス", "メールアドレスの形式が正しくありません。"),
        (33, "会員番号", "会員番号は半角英数字20文字以内で入力してください。"),
    ]
    assert (job.error_count, job.new_count) == (2, 33)


def test_progress_is_written_while_validating(preview, monkeypatch):
    monkeypatch.setattr(member_kind.MemberImport, "progress_every", 10)
    seen = []
    real = services._progress

    def record(job_id, count, **changes):
        if not changes:  # rows checked (not a new phase)
            seen.append(count)
        real(job_id, count, **changes)

    monkeypatch.setattr(services, "_progress", record)
    preview(csv_bytes(member_rows(35)))
    assert seen == [10, 20, 30]


@pytest.mark.parametrize("number", ["G0000003", "g0000003"])
def test_a_guest_number_is_not_a_member_number(preview, number):
    """Importing a guest's number would turn that guest's account into a member's."""
    from tests.factories import guest_member

    guest = guest_member("G0000003", family_name="来訪")
    job = preview(csv_bytes([member_row(0, 会員番号=number)]))
    assert errors_of(job) == [
        (2, "会員番号", f"{number} はゲストユーザー番号の形式です。会員番号として取り込めません。")
    ]
    guest.refresh_from_db()
    assert guest.status == Member.Status.GUEST
