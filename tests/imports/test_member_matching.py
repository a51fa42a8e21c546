"""Member numbers and names in every import (issue 12, item 4): numbers are matched as
``membership.member_numbers`` says (Excel's dropped zeros put back, full-width digits), a number
differing from a member's only by leading zeros never becomes a second member, and a name or
furigana column is checked against the member matched (a warning, spelling variants aside)."""

import io

import openpyxl
import pytest

from imports import services
from imports.models import ImportJob
from membership.models import Invoice, Member
from renewal.models import Credit
from tests.factories import MemberFactory
from tests.imports.bank_data import member_with_dues, statement_csv, transfer
from tests.imports.data import csv_bytes, member_row
from tests.renewal.seminar_data import make_seminar

pytestmark = pytest.mark.django_db


def counts(job):
    return {key: value for key, value in job.result["counts"].items() if value}


def errors_of(job):
    return [(e["row"], e["column"], e["message"]) for e in job.result["errors"]]


def warnings_of(job):
    return [(w["row"], w["column"], w["message"]) for w in job.result["warnings"]]


def xlsx(headers, rows):
    workbook = openpyxl.Workbook()
    workbook.active.append(headers)
    for row in rows:
        workbook.active.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def session(db):
    return make_seminar().sessions.get()


@pytest.fixture
def yamada(db):
    return MemberFactory(
        user__username="0030002",
        family_name="髙橋",
        given_name="花子",
        family_name_kana="タカハシ",
        given_name_kana="ハナコ",
        alternate_name="高橋 花子",
    )


# --- attendance ------------------------------------------------------------------------------


def test_attendance_finds_the_member_without_its_zeros_or_in_full_width(preview, superuser, session, yamada):
    other = MemberFactory(user__username="0030003")
    data = xlsx(["会員番号", "セッションID"], [[30002, session.pk], ["３０００３", session.pk]])  # a number cell

    job = preview(data, name="attendance.xlsx", kind="attendance")

    assert counts(job) == {"new": 2}, job.result["errors"]
    assert "先頭の0が欠けた会員番号 2件を、0を補って照合しました(例: 30002 → 0030002)。" in job.result["notes"]
    services.start_apply(job=job, user=superuser)
    assert set(Credit.objects.values_list("member_id", flat=True)) == {yamada.pk, other.pk}


def test_attendance_names_the_member_a_number_with_a_zero_too_many_probably_means(preview, session, yamada):
    job = preview(csv_bytes([{"会員番号": "00030002", "セッションID": session.pk}], headers=["会員番号", "セッションID"]),
                  name="attendance.csv", kind="attendance")  # fmt: skip
    assert errors_of(job) == [
        (
            2,
            "会員番号",
            "会員番号 00030002 の会員が見つかりません。先頭の0だけが違う会員 0030002(髙橋 花子)がいます。"
            "その会員なら会員番号を 0030002 にしてください。",
        )
    ]


def test_attendance_warns_when_the_name_is_not_the_members(preview, superuser, session, yamada):
    other = MemberFactory(user__username="0030004", family_name="山﨑", given_name="健", family_name_kana="ヤマザキ",
                           given_name_kana="ケン")  # fmt: skip
    rows = [
        {
            "会員番号": "0030002",
            "セッションID": session.pk,
            "氏名": "高橋　花子",
            "フリガナ": "たかはし はなこ",
        },  # variants
        {"会員番号": "0030004", "セッションID": session.pk, "氏名": "山崎 健", "フリガナ": "ﾔﾏｻﾞｷ ｹﾝ"},  # 﨑 = 崎
        {"会員番号": "30005", "セッションID": session.pk, "氏名": "田中 一郎", "フリガナ": ""},  # mistyped number
    ]
    MemberFactory(user__username="0030005", family_name="鈴木", given_name="美咲", family_name_kana="スズキ")
    data = csv_bytes(rows, headers=["会員番号", "氏名", "フリガナ", "セッションID"], encoding="cp932")

    job = preview(data, name="受付.csv", kind="attendance")

    assert counts(job) == {"new": 3} and job.can_apply  # a warning never blocks the import
    assert warnings_of(job) == [
        (4, "氏名", "氏名「田中 一郎」が会員 0030005 の登録(鈴木 美咲)と違います。会員番号が正しいか確認してください。")
    ]
    assert job.result["samples"]["new"][2]["cells"][-1].endswith("(氏名を確認してください)")
    assert services.start_apply(job=job, user=superuser).state == ImportJob.State.APPLIED
    assert Credit.objects.filter(member=other).exists()


# --- bank transfers --------------------------------------------------------------------------


def test_a_statement_row_without_the_zeros_is_matched_and_one_with_a_zero_too_many_names_the_member(preview, superuser):
    _member, invoices = member_with_dues("0030002", 2025)
    data = statement_csv(
        [transfer("30002", "2025/09/01", 5000, year=2025), transfer("０００３０００２", "2025/09/02", 1)]
    )

    job = preview(data, name="statement.csv", kind="bank_transfers")

    assert counts(job) == {"matched": 1, "not_found": 1}
    assert job.result["samples"]["not_found"][0]["cells"][-1] == (
        "会員番号 00030002 の会員がいません。先頭の0だけが違う会員 0030002("
        f"{_member.family_name} {_member.given_name})がいます。会員番号を確認してください。"
    )
    services.start_apply(job=job, user=superuser)
    assert Invoice.objects.get(pk=invoices[2025].pk).status == Invoice.Status.PAID


# --- the member list -------------------------------------------------------------------------


def test_a_member_list_row_without_the_zeros_updates_that_member(import_file, yamada):
    row = member_row(0, 会員番号="30002", **{"氏名(姓)": "高橋", "氏名(名)": "花子", "フリガナ(姓)": "タカハシ"})
    row["フリガナ(名)"] = "ハナコ"

    job = import_file(csv_bytes([row]))

    assert counts(job) == {"updated": 1}
    assert list(Member.objects.values_list("member_number", flat=True)) == ["0030002"]
    assert job.result["warnings"] == []  # 高橋 is 髙橋 written another way: no warning (but the name is updated)
    assert Member.objects.get().family_name == "高橋"


def test_a_member_list_never_adds_a_member_differing_only_by_leading_zeros(preview, yamada):
    legacy = MemberFactory(user__username="036001", family_name="佐藤", given_name="健")  # before the width was fixed
    rows = [
        member_row(0, 会員番号="00030002"),  # a zero too many for 0030002
        member_row(1, 会員番号="36001"),  # padded 0036001; 036001 exists
        member_row(2, 会員番号="0037001"),
        member_row(3, 会員番号="00037001"),  # the same as row 4 but a zero
    ]

    job = preview(csv_bytes(rows))

    assert errors_of(job) == [
        (2, "会員番号", "会員番号 00030002 は登録済みの会員 0030002(髙橋 花子)と先頭の0だけが違います。"
                        "同じ会員なら会員番号を 0030002 にしてください(新しい会員として登録しません)。"),
        (3, "会員番号", "会員番号 36001 は登録済みの会員 036001(佐藤 健)と先頭の0だけが違います。"
                        "同じ会員なら会員番号を 036001 にしてください(新しい会員として登録しません)。"),
        (5, "会員番号", "会員番号 00037001 は4行目の会員番号 0037001 と先頭の0だけが違います(同じ会員を2人として登録しません)。"),
    ]  # fmt: skip
    assert Member.objects.count() == 2 and legacy.member_number == "036001"


def test_a_number_stored_before_the_width_was_fixed_still_matches_as_typed(import_file):
    MemberFactory(user__username="036001")
    job = import_file(csv_bytes([member_row(0, 会員番号="036001")]))
    assert counts(job) == {"updated": 1}
    assert Member.objects.get().member_number == "036001"


def test_new_members_get_the_zeros_back_and_a_width_of_zero_keeps_numbers_as_typed(import_file, settings):
    import_file(csv_bytes([member_row(0, 会員番号="35002")]))
    assert Member.objects.get().member_number == "0035002"
    settings.MEMBER_NUMBER_DIGITS = 0
    import_file(csv_bytes([member_row(1, 会員番号="35003")]))
    assert set(Member.objects.values_list("member_number", flat=True)) == {"0035002", "35003"}


def test_a_member_list_warns_when_a_known_number_comes_with_another_persons_name(import_file, yamada):
    row = member_row(0, 会員番号="30002", **{"氏名(姓)": "佐藤", "フリガナ(姓)": "サトウ"})
    row.update({"氏名(名)": "花子", "フリガナ(名)": "ハナコ"})

    job = import_file(csv_bytes([row]))

    assert warnings_of(job) == [
        (2, "氏名(姓)", "氏名(姓)「佐藤」が会員 0030002 の登録(髙橋)と違います。"
                        "別の人の行でないか確認してください(取り込むと登録が変わります)。"),
        (2, "フリガナ(姓)", "フリガナ(姓)「サトウ」が会員 0030002 の登録(タカハシ)と違います。"
                            "別の人の行でないか確認してください(取り込むと登録が変わります)。"),
    ]  # fmt: skip
    assert job.state == ImportJob.State.APPLIED


def test_the_preview_shows_the_number_a_row_is_registered_under(preview, yamada):
    """A number typed without its zeros or in full-width digits was shown as typed (98005,
    ００９８００２) while the member was registered as 0098005: the preview says which."""
    rows = [
        member_row(0, 会員番号="35002"),
        member_row(1, 会員番号="００３５００３"),
        member_row(2, 会員番号="0035004"),
        {**member_row(3, 会員番号="30002"), "氏名(姓)": "髙橋", "氏名(名)": "花子", "フリガナ(姓)": "タカハシ"},
    ]
    rows[3]["フリガナ(名)"] = "ハナコ"

    job = preview(csv_bytes(rows))

    shown = {
        s["row"]: s["cells"][0] for outcome in ("new", "updated", "unchanged") for s in job.result["samples"][outcome]
    }
    assert shown == {
        2: "0035002(ファイル: 35002)",
        3: "0035003(ファイル: ００３５００３)",
        4: "0035004",
        5: "0030002(ファイル: 30002)",
    }
